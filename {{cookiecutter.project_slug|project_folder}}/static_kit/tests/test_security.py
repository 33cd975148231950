"""security.py: the Content-Security-Policy gets this strategy's hosts, and no more."""

from static_kit.security import media_origins, static_origins, strategy_sources


def test_static_files_on_the_sites_own_host_add_nothing(settings):
    settings.STATIC_URL = "/static/"
    settings.MEDIA_URL = "/media/"
    assert static_origins() == [] and media_origins() == [] and strategy_sources() == {}


def test_a_cdn_is_allowed_for_scripts_styles_fonts_and_images_only(settings):
    settings.STATIC_URL = "https://cdn.example.com/static/"
    settings.MEDIA_URL = "/media/"
    assert strategy_sources() == {
        name: ["https://cdn.example.com"]
        for name in ("script-src", "style-src", "font-src", "img-src")
    }

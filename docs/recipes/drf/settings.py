# Django REST framework's browsable API and drf-spectacular's Swagger UI and ReDoc, served from
# this site (drf-spectacular-sidecar) under the project's Content-Security-Policy.
# Append to <project>/settings/base.py.
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar"]
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": SITE_NAME,
    # Swagger UI and ReDoc from this site's static files, not from a CDN of theirs.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# The browsable API's templates set style="..." on a few elements: allow style attributes,
# never <style> elements or scripts, on every page.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src-attr"] = ["'unsafe-inline'"]

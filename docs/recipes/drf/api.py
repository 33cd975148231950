"""An API, its OpenAPI schema, Swagger UI and ReDoc, each page with the policy it needs.

Save as <project>/api.py and add `path("", include("<project>.api"))` to <project>/urls.py.
The example API lists the site's groups; yours is registered on the router the same way.
"""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.models import Group
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework import filters, routers, serializers, viewsets


class GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ["id", "name"]


class GroupViewSet(viewsets.ModelViewSet):
    queryset = Group.objects.all()
    serializer_class = GroupSerializer
    # Searchable: the browsable API then shows its Filters button (a style="..." attribute).
    filter_backends = [filters.SearchFilter]
    search_fields = ["name"]


router = routers.DefaultRouter()
router.register("groups", GroupViewSet)

# Swagger UI: the split view serves its start-up script as a file, not inline, but the page
# and swagger-ui style elements inline, and it draws a few icons as data: images.
swagger_ui_policy = csp_update({"style-src": [UNSAFE_INLINE], "img-src": ["data:"]})
# ReDoc styles its page at run time (inline <style>), searches in a worker made from a blob:
# URL, and shows Redocly's logo from their CDN in its sidebar.
redoc_policy = csp_update(
    {
        "style-src": [UNSAFE_INLINE],
        "worker-src": ["blob:"],
        "img-src": ["data:", "https://cdn.redoc.ly"],
    }
)

urlpatterns = [
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        swagger_ui_policy(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="swagger-ui",
    ),
    path("api/redoc/", redoc_policy(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
]

from rest_framework.routers import DefaultRouter

from organisations.api import OrganisationViewSet
from wgll.framework.api import FrameworkVersionViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("frameworks", FrameworkVersionViewSet, basename="framework-version")

urlpatterns = router.urls

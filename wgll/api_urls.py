from rest_framework.routers import DefaultRouter

from framework.api import FrameworkVersionViewSet
from organisations.api import OrganisationViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("frameworks", FrameworkVersionViewSet, basename="framework-version")

urlpatterns = router.urls

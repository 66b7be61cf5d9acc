from rest_framework.routers import DefaultRouter

from assessments.api import FlagViewSet
from framework.api import FrameworkVersionViewSet
from organisations.api import OrganisationViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("frameworks", FrameworkVersionViewSet, basename="framework-version")
router.register("flags", FlagViewSet, basename="flag")

urlpatterns = router.urls

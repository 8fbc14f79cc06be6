"""Contract suites: pytest mix-ins every implementation of a port must pass.

Subclass one in a ``Test*`` class and provide its fixtures::

    class TestMyStorage(StorageContract):
        @pytest.fixture
        def uow_factory(self) -> UnitOfWorkFactory:
            return MyStorage(fresh_database()).unit_of_work
"""

from booking_core.testing.contracts.jobs import JobQueueContract
from booking_core.testing.contracts.money import MoneyStorageContract
from booking_core.testing.contracts.notifications import NotificationStorageContract
from booking_core.testing.contracts.notifier import NotifierContract
from booking_core.testing.contracts.onboarding import OnboardingStorageContract
from booking_core.testing.contracts.orders import OrderRaceContract
from booking_core.testing.contracts.payments import PaymentGatewayContract
from booking_core.testing.contracts.payouts import PayoutGatewayContract
from booking_core.testing.contracts.placement import PlacementStorageContract
from booking_core.testing.contracts.spatial import SpatialIndexContract
from booking_core.testing.contracts.storage import StorageContract

__all__ = [
    "JobQueueContract",
    "MoneyStorageContract",
    "NotificationStorageContract",
    "NotifierContract",
    "OnboardingStorageContract",
    "OrderRaceContract",
    "PaymentGatewayContract",
    "PayoutGatewayContract",
    "PlacementStorageContract",
    "SpatialIndexContract",
    "StorageContract",
]

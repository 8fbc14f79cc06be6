"""Customers: profile, phone, address book, favourites, tier; their standing at checkout."""

from booking_core.customers.address import Address
from booking_core.customers.customer import Customer, CustomerDetails
from booking_core.customers.phone import check_phone
from booking_core.customers.standing import CustomerStanding

__all__ = [
    "Address",
    "Customer",
    "CustomerDetails",
    "CustomerStanding",
    "check_phone",
]

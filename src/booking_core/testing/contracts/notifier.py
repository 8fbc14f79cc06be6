"""The notifier contract: what every channel behind the ``Notifier`` port guarantees.

Mix :class:`NotifierContract` into a ``Test*`` class that provides three fixtures:

- ``notifier`` — the channel under test, wired to a stand-in of its provider (a local
  server that checks requests as the provider would, not a mock of the channel);
- ``provider`` — a :class:`ProviderControl` over that stand-in: what it received, and
  knobs to make it refuse, fail for now, or vanish (a knob holds until the test ends);
- ``recipient`` — an address of the channel's kind (phone, e-mail, openid, URL …).

The contract sends ``order_accepted`` with every parameter of
:data:`booking_core.notifications.catalog.TEMPLATES`; a channel's set-up must know that template in
both locales (``zh-CN`` and ``en``) and must send the locales differently (another text,
template or language). Channels that carry only some parameters (an SMS template with
three variables) name them in :attr:`NotifierContract.carried_params`.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

import attrs
import pytest

from booking_core.notifications.catalog import TEMPLATES
from booking_core.ports.notifier import DeliveryOutcome, DeliveryResult, Message, Notifier

__all__ = ["NotifierContract", "ProviderControl", "Received"]

TEMPLATE = "order_accepted"
#: Short values (a WeChat ``thing`` takes 20 characters), each easy to find in a text.
_SAMPLES = {
    "order_id": "ord_7Q2X",
    "order_number": "20260302-0042",
    "service": "全身推拿 60 分钟",
    "start": "2026-03-02 19:30",
    "technician": "李娜",
}
#: Exactly the parameters the core fills for :data:`TEMPLATE`.
PARAMS = {name: _SAMPLES.get(name, f"{name}-7Q2X") for name in sorted(TEMPLATES[TEMPLATE])}


@attrs.frozen
class Received:
    """One message as the provider got it.

    Attributes:
        recipient: The address it was sent to.
        content: Everything of it a person could read, as text: the rendered title and
            body, or the provider template's variables with the template's name.
        dedupe_trace: What the provider keeps of the dedupe key (the key itself, or an id
            derived from it such as an e-mail's Message-ID); None where it has no place.
    """

    recipient: str
    content: str
    dedupe_trace: str | None


class ProviderControl(Protocol):
    """The test's handle on the provider's stand-in."""

    def received(self) -> list[Received]:
        """Every message the provider accepted so far, oldest first."""
        ...

    def refuse_permanently(self) -> None:
        """From now on the provider refuses messages for good (a bad number, an unknown
        mailbox, a 4xx). Call ``pytest.skip`` where the provider cannot."""
        ...

    def fail_transiently(self) -> None:
        """From now on the provider answers "not now" (throttling, 5xx, a 4xx SMTP reply)."""
        ...

    def go_offline(self) -> None:
        """From now on the provider cannot be reached (nothing listens, or it never answers)."""
        ...


def _message(recipient: str, key: str, locale: str = "zh-CN") -> Message:
    return Message(TEMPLATE, recipient, "contract", dict(PARAMS), locale, key)


class NotifierContract:
    """The behaviour the core's delivery jobs rely on, whatever the channel."""

    #: The parameters that reach the provider; None: all of them.
    carried_params: ClassVar[frozenset[str] | None] = None
    #: Whether the provider answers an id for an accepted message.
    gives_provider_id: ClassVar[bool] = True
    #: Whether the provider has a place for the dedupe key (WeChat has none).
    carries_dedupe_key: ClassVar[bool] = True

    def test_a_message_arrives_once_with_its_parameters(
        self, notifier: Notifier, provider: ProviderControl, recipient: str
    ) -> None:
        result = notifier.send(_message(recipient, "ntf_c1:contract"))

        assert result.outcome is DeliveryOutcome.ACCEPTED, result.detail
        if self.gives_provider_id:
            assert result.provider_id
        [arrived] = provider.received()
        assert arrived.recipient == recipient
        carried = self.carried_params if self.carried_params is not None else frozenset(PARAMS)
        missing = [name for name in sorted(carried) if PARAMS[name] not in arrived.content]
        assert not missing, f"{missing} did not reach the provider: {arrived.content!r}"

    def test_each_locale_reaches_the_provider_as_its_own(
        self, notifier: Notifier, provider: ProviderControl, recipient: str
    ) -> None:
        chinese = notifier.send(_message(recipient, "ntf_c1:contract", "zh-CN"))
        english = notifier.send(_message(recipient, "ntf_c2:contract", "en"))

        assert (chinese.outcome, english.outcome) == (DeliveryOutcome.ACCEPTED,) * 2
        first, second = provider.received()
        assert first.content != second.content

    def test_the_dedupe_key_reaches_the_provider(
        self, notifier: Notifier, provider: ProviderControl, recipient: str
    ) -> None:
        if not self.carries_dedupe_key:
            pytest.skip("this provider has no place for a dedupe key")

        for key in ("ntf_c1:contract", "ntf_c1:contract", "ntf_c2:contract"):
            assert notifier.send(_message(recipient, key)).outcome is DeliveryOutcome.ACCEPTED

        first, retried, other = (received.dedupe_trace for received in provider.received())
        # A retry keeps its trace (the provider can drop the copy); another message differs.
        assert first is not None
        assert first == retried != other

    def test_a_permanent_refusal_is_rejected(
        self, notifier: Notifier, provider: ProviderControl, recipient: str
    ) -> None:
        provider.refuse_permanently()

        result = self._send_without_raising(notifier, recipient)

        assert result.outcome is DeliveryOutcome.REJECTED
        assert result.detail, "the delivery log needs to say why"
        assert provider.received() == []

    def test_a_transient_failure_is_retried_later(
        self, notifier: Notifier, provider: ProviderControl, recipient: str
    ) -> None:
        provider.fail_transiently()

        result = self._send_without_raising(notifier, recipient)

        assert result.outcome is DeliveryOutcome.RETRY_LATER
        assert result.detail
        assert provider.received() == []

    def test_an_unreachable_provider_is_retried_later(
        self, notifier: Notifier, provider: ProviderControl, recipient: str
    ) -> None:
        provider.go_offline()

        result = self._send_without_raising(notifier, recipient)

        assert result.outcome is DeliveryOutcome.RETRY_LATER
        assert result.detail

    def _send_without_raising(self, notifier: Notifier, recipient: str) -> DeliveryResult:
        # The port's promise: a provider's "no" is a result, never an exception.
        return notifier.send(_message(recipient, "ntf_c1:contract"))

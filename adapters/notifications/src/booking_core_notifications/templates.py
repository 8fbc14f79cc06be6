"""Rendering a template id and its parameters into a title and a body, per locale."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import jinja2

from booking_core.errors import InvalidInput, NotFound
from booking_core_notifications.texts import TEXTS, TemplateText

__all__ = ["Rendered", "Renderer"]


@attrs.frozen
class Rendered:
    """One message as a person reads it."""

    title: str
    body: str


class Renderer:
    """Renders the texts of :data:`~booking_core_notifications.texts.TEXTS` (or your own).

    Undefined names fail (``StrictUndefined``): a text that uses a parameter the message
    lacks raises instead of printing an empty string. Autoescaping is off: these are
    plain-text messages, never inserted into HTML as they are.
    """

    def __init__(self, texts: Mapping[str, Mapping[str, TemplateText]] = TEXTS) -> None:
        environment = jinja2.Environment(
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain text; no HTML is produced here
            keep_trailing_newline=False,
        )
        # Compiled once: a syntax error in a text fails at start-up, not at the first send.
        self._compiled = {
            locale: {
                template: (
                    environment.from_string(text.title),
                    environment.from_string(text.body),
                )
                for template, text in by_template.items()
            }
            for locale, by_template in texts.items()
        }

    @property
    def locales(self) -> frozenset[str]:
        """The locales this renderer has texts for."""
        return frozenset(self._compiled)

    def render(self, template: str, locale: str, params: Mapping[str, str]) -> Rendered:
        """The title and body of ``template`` in ``locale`` with ``params`` filled in.

        Raises:
            NotFound: ``locale_not_found`` or ``template_not_found``.
            InvalidInput: the text uses a parameter that ``params`` lacks.
        """
        by_template = self._compiled.get(locale)
        if by_template is None:
            raise NotFound("locale", locale)
        compiled = by_template.get(template)
        if compiled is None:
            raise NotFound("template", template)
        title, body = compiled
        try:
            return Rendered(title.render(params).strip(), body.render(params).strip())
        except jinja2.UndefinedError as exc:
            raise InvalidInput(
                f"template {template!r} ({locale}) needs a parameter the message lacks: {exc}",
                details={"template": template, "locale": locale},
            ) from exc

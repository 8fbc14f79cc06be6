"""The texts: one per template id and locale, each using exactly the parameters the core fills."""

from __future__ import annotations

import jinja2
import jinja2.meta
import pytest

from booking_core.errors import InvalidInput, NotFound
from booking_core.notifications.catalog import TEMPLATES
from booking_core_notifications import LOCALES, TEXTS, Renderer, TemplateText

CASES = [(template, locale) for template in sorted(TEMPLATES) for locale in LOCALES]


def _values(template: str) -> dict[str, str]:
    # Distinct markers, so that each one found in the output proves its parameter was used.
    return {name: f"<{name.upper()}>" for name in TEMPLATES[template]}


def test_every_locale_has_exactly_the_templates_the_core_emits() -> None:
    assert set(TEXTS) == set(LOCALES) == {"zh-CN", "en"}
    for locale in LOCALES:
        assert set(TEXTS[locale]) == set(TEMPLATES), locale


@pytest.mark.parametrize(("template", "locale"), CASES)
def test_each_text_names_exactly_the_parameters_of_its_template(template: str, locale: str) -> None:
    text = TEXTS[locale][template]
    environment = jinja2.Environment(autoescape=False)

    names = jinja2.meta.find_undeclared_variables(environment.parse(f"{text.title}\n{text.body}"))

    assert names == TEMPLATES[template]


@pytest.mark.parametrize(("template", "locale"), CASES)
def test_each_text_renders_every_parameter(template: str, locale: str) -> None:
    params = _values(template)

    rendered = Renderer().render(template, locale, params)

    assert rendered.title
    assert rendered.body
    text = f"{rendered.title}\n{rendered.body}"
    assert [name for name, value in params.items() if value not in text] == []
    assert "{{" not in text
    assert "}}" not in text


@pytest.mark.parametrize(("template", "locale"), CASES)
def test_leaving_out_any_parameter_fails(template: str, locale: str) -> None:
    renderer = Renderer()

    for name in sorted(TEMPLATES[template]):
        params = _values(template)
        del params[name]
        with pytest.raises(InvalidInput, match=name):
            renderer.render(template, locale, params)


def test_the_locales_read_differently() -> None:
    params = _values("order_placed")

    chinese = Renderer().render("order_placed", "zh-CN", params)
    english = Renderer().render("order_placed", "en", params)

    assert chinese.title == "新订单 <ORDER_NUMBER>"
    assert english.title == "New order <ORDER_NUMBER>"
    assert chinese.body.startswith("新订单 <ORDER_NUMBER>：<SERVICE>，<START>。")


def test_unknown_templates_and_locales_are_clear_errors() -> None:
    renderer = Renderer()

    with pytest.raises(NotFound) as template:
        renderer.render("order_teleported", "en", {})
    with pytest.raises(NotFound) as locale:
        renderer.render("order_placed", "fr", _values("order_placed"))

    assert template.value.error_code == "template_not_found"
    assert "order_teleported" in template.value.message
    assert locale.value.error_code == "locale_not_found"
    assert "'fr'" in locale.value.message


def test_values_are_not_escaped_or_interpreted() -> None:
    params = _values("order_cancelled") | {"reason": "<b>客户</b> & {{ x }}"}

    rendered = Renderer().render("order_cancelled", "zh-CN", params)

    assert "原因：<b>客户</b> & {{ x }}" in rendered.body


def test_own_texts_replace_the_shipped_ones() -> None:
    texts = {"en": {"order_placed": TemplateText("Job {{ order_number }}", "{{ service }}")}}

    rendered = Renderer(texts).render("order_placed", "en", {"order_number": "7", "service": "Spa"})

    assert (rendered.title, rendered.body) == ("Job 7", "Spa")
    assert Renderer(texts).locales == {"en"}

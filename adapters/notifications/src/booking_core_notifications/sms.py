"""What an SMS provider needs to know about one of our templates.

SMS providers in mainland China send only templates approved in their console: the text
lives there, and a request names the provider's template and fills its variables. The
mapping from our template ids to theirs is configuration, given to the SMS notifiers.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

__all__ = ["SmsTemplate"]


@attrs.frozen
class SmsTemplate:
    """The provider's template for one of ours.

    Attributes:
        code: The provider's template (Aliyun ``TemplateCode``, Tencent ``TemplateId``).
        params: Our parameter names in the order the provider's template takes them
            (Tencent fills ``{1}``, ``{2}`` … in this order; Aliyun names its variables,
            see ``names``). Parameters not listed are not sent.
        names: Our parameter name → the provider's variable name where they differ
            (Aliyun ``${variable}``); by default a variable is named like our parameter.
        by_locale: Locale → another template code (e.g. an English template for ``en``).
    """

    code: str
    params: tuple[str, ...]
    names: Mapping[str, str] = attrs.field(factory=dict)
    by_locale: Mapping[str, str] = attrs.field(factory=dict)

    def code_for(self, locale: str) -> str:
        """The provider's template for ``locale``."""
        return self.by_locale.get(locale, self.code)

    def values(self, params: Mapping[str, str]) -> list[str]:
        """The values in the provider's order. Raises KeyError for a missing parameter."""
        return [params[name] for name in self.params]

    def named(self, params: Mapping[str, str]) -> dict[str, str]:
        """The values under the provider's variable names. Raises KeyError likewise."""
        return {self.names.get(name, name): params[name] for name in self.params}

"""Steps: the work a use case does inside its unit of work.

The naming rule, applied everywhere in :mod:`booking_core.services`:

* a **use case** is a public method of a ``…Service`` class (or of :class:`JobRunner`): it
  opens its own unit of work (``with self._uow() as uow``) and commits it;
* a **step** lives in this package: a function or a method of a step object whose first
  argument is the caller's ``uow``; it reads and writes through it and never commits,
  rolls back or opens another unit of work.

Embedders call use cases; steps are how services share work (they are not in
:mod:`booking_core.api`). ``tests/unit/test_service_layer_rules.py`` checks the rule.
"""

"""The search strategies, one module each; :mod:`neuronas.search.strategy` imports them all and keeps the registry.

A new strategy is a module here with one class that subclasses
:class:`~neuronas.search.strategy.Strategy`, decorated with :func:`~neuronas.search.strategy.register`, plus its
test. See each class for what it proposes, how it measures a candidate and what it stores.
"""

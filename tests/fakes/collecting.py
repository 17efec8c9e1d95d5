"""The collecting sink the tests share: the one ``chatwright.testing`` gives plugin authors."""

from chatwright.testing import CollectingSink

__all__ = ["CollectingSink"]

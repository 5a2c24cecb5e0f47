"""The bootstrap program's directory as a package, so the tests import its `ci_access` as `bootstrap.ci_access`."""

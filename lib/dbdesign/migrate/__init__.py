"""The migrations runner and what proves a folder: verify, lock rehearsal, interop."""

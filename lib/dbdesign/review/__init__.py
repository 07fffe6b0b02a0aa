"""The design review: ERDs, the notebooks' helpers, the offline HTML report."""

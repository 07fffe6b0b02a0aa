def render_statements(*a, **k):
    raise NotImplementedError

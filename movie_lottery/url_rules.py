"""URL rules whose url_for() builders are compiled on first use instead of at start-up.

werkzeug compiles two builder functions per rule (Python source generated through ``ast``)
when the rule is added: about 1 ms of CPU per rule, ~90 ms for the site's ~95 routes, all of
it before the first request. Most API routes are never built by url_for at all, and a page
builds the few it links to once per process. Matching (the rule's regex) is unchanged.
"""

from __future__ import annotations

from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    def _compile_builder(self, append_unknown: bool = True):
        attribute = "_build_unknown" if append_unknown else "_build"

        def build_on_first_use(rule, *args, **kwargs):
            # Rule.compile() binds this to the rule; the real builder replaces it for later calls
            # (two threads may both compile it: they get the same function).
            real = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            setattr(rule, attribute, real)
            return real(*args, **kwargs)

        return build_on_first_use

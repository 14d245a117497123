"""`uth reindex`: rebuild the search index from the database."""
from __future__ import annotations

import sys

import click

from uth.commands import command


@command("reindex")
def reindex_cmd():
    """Rebuild the search index from the database (the source of truth)."""
    from uth.search.indexing import get_backend, rebuild, source_count

    backend = get_backend(fresh=True)
    with click.progressbar(length=source_count(), label="Indekserer", file=sys.stderr) as bar:
        counts = rebuild(backend, progress=bar.update)
    click.echo(f"indexed {counts.get('case', 0)} cases and {counts.get('learning', 0)} learning summaries "
               f"({backend.name})")

"""``generate``: write a generated sample as CSV, a ROOT TTree or Parquet, in chunks."""

from __future__ import annotations

import numpy as np

from ._common import TABLE_FORMATS, CLIError, check_output_file, progress_bar, require_pyarrow

__all__ = ["GENERATORS", "generate"]

#: ``generate`` kinds -> what they are (for the help).
GENERATORS = {
    "dielectron": "CMS 2010-like dielectron events (make_dielectron): 16 lepton features, M",
    "ttbar-resonance": "X -> ttbar signal against SM ttbar (make_ttbar_resonance): 27 features, "
    "mass, label",
    "w-recoil": "W -> mu nu hadronic recoil (make_w_recoil): 38 inputs, targets ux, uy, truth_pt",
}
TTBAR_MASSES = (500.0, 750.0, 1000.0, 1250.0, 1500.0)
# the jagged collections of make_w_recoil(return_objects=True), written with --objects
OBJECT_COLLECTIONS = ("ChargedPFO", "NeutralPFO", "Jet")


def generate(
    kind,
    n_events,
    output,
    *,
    random_state=None,
    chunk_size=100_000,
    tree="events",
    mean_pileup=None,
    masses=None,
    signal_fraction=0.5,
    objects=False,
    progress=True,
):
    """Generate ``n_events`` events of ``kind`` and write them to ``output``; return its row count.

    The events are made and written ``chunk_size`` at a time (one ROOT basket, CSV block or
    Parquet row group per chunk), so memory does not grow with ``n_events``. With one chunk
    the events are those of the ``make_*`` function called with ``random_state``; with
    several, each chunk gets a seed spawned from it (``numpy.random.SeedSequence``).
    """
    from pathlib import Path

    if kind not in GENERATORS:
        raise CLIError(f"unknown sample {kind!r}; choose one of {', '.join(GENERATORS)}")
    if n_events < 1:
        raise CLIError(f"-n must be a positive number of events, got {n_events}")
    if chunk_size < 1:
        raise CLIError(f"--chunk-size must be positive, got {chunk_size}")
    path = Path(output).expanduser()
    fmt = check_output_file(path, TABLE_FORMATS)
    make = _maker(kind, fmt, mean_pileup, masses, signal_fraction, objects)
    if fmt == ".parquet":
        require_pyarrow("writing")

    sizes = [chunk_size] * (n_events // chunk_size)
    if n_events % chunk_size:
        sizes.append(n_events % chunk_size)
    if len(sizes) == 1:
        seeds = [random_state]
    else:
        seeds = np.random.SeedSequence(random_state).spawn(len(sizes))
    writer = {".csv": _CSVWriter, ".root": _ROOTWriter, ".parquet": _ParquetWriter}[fmt](path, tree)
    bar = progress_bar(progress, total=n_events, unit="event", unit_scale=True,
                       desc=f"{kind} -> {path.name}")  # fmt: skip
    try:
        with bar:
            for size, seed in zip(sizes, seeds):
                rng = seed if len(sizes) == 1 else np.random.default_rng(seed)
                writer.write(*make(size, rng))
                bar.update(size)
        writer.close()
    except BaseException:
        writer.close()
        path.unlink(missing_ok=True)  # no half-written file left behind
        raise
    return n_events


def _maker(kind, fmt, mean_pileup, masses, signal_fraction, objects):
    """``make(n, random_state) -> (DataFrame, jagged collections or None)`` for ``kind``."""
    from .. import datasets

    if mean_pileup is not None and kind != "w-recoil":
        raise CLIError("--mean-pileup applies to w-recoil only")
    if objects and kind != "w-recoil":
        raise CLIError("--objects applies to w-recoil only")
    if objects and fmt != ".root":
        raise CLIError("--objects writes jagged collections, which need a .root output file")
    if (masses is not None or signal_fraction != 0.5) and kind != "ttbar-resonance":
        raise CLIError("--masses and --signal-fraction apply to ttbar-resonance only")

    if kind == "dielectron":
        return lambda n, rng: (datasets.make_dielectron(n, random_state=rng), None)
    if kind == "ttbar-resonance":
        masses = TTBAR_MASSES if masses is None else tuple(masses)
        if not 0.0 <= signal_fraction <= 1.0:
            raise CLIError(f"--signal-fraction must be in [0, 1], got {signal_fraction}")

        def make_ttbar(n, rng):
            per_mass = int(round(n * signal_fraction / len(masses)))
            per_mass = min(per_mass, n // len(masses))
            frame = _as_cli_error(datasets.make_ttbar_resonance, per_mass,
                                  n - per_mass * len(masses), masses, random_state=rng)  # fmt: skip
            return frame, None

        return make_ttbar

    pileup = {} if mean_pileup is None else {"mean_pileup": mean_pileup}

    def make_w(n, rng):
        out = _as_cli_error(datasets.make_w_recoil, n, random_state=rng, return_objects=objects,
                            **pileup)  # fmt: skip
        return out if objects else (out, None)

    return make_w


def _as_cli_error(make, *args, **kwargs):
    # the generators' ValueErrors name the bad option (a mass below threshold, a pile-up
    # out of range): a user error
    try:
        return make(*args, **kwargs)
    except ValueError as exc:
        raise CLIError(str(exc)) from None


class _CSVWriter:
    def __init__(self, path, tree):
        self.path, self.first = path, True

    def write(self, frame, collections):
        frame.to_csv(self.path, index=False, mode="w" if self.first else "a", header=self.first)
        self.first = False

    def close(self):
        pass


class _ParquetWriter:
    def __init__(self, path, tree):
        self.path, self.writer = path, None

    def write(self, frame, collections):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema)
        self.writer.write_table(table)

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class _ROOTWriter:
    """A flat TTree of the DataFrame's columns, plus the jagged collections with --objects."""

    def __init__(self, path, tree):
        import uproot

        self.file, self.tree, self.created = uproot.recreate(path), tree, False

    def write(self, frame, collections):
        branches = {name: frame[name].to_numpy() for name in frame.columns}
        if collections is not None:
            import awkward as ak

            # Jet_Px, Jet_Py with the counter nJet, as analysis ntuples store them
            for name in OBJECT_COLLECTIONS:
                branches[name] = ak.zip(
                    {c: collections[f"{name}_{c}"] for c in ("Px", "Py")}
                )
        if not self.created:
            types = {k: v.dtype if isinstance(v, np.ndarray) else v.type.content
                     for k, v in branches.items()}  # fmt: skip
            self.file.mktree(self.tree, types)
            self.created = True
        self.file[self.tree].extend(branches)

    def close(self):
        self.file.close()

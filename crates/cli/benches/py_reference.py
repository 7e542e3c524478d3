"""The Python Polars reference for `make bench`'s intake bench: the same bodies, read from a
folder into memory first (not timed), then parsed into one frame (the meta columns _row,
_part and _valid; parts in order, valid rows before invalid ones) and written to Parquet and
to CSV. Prints the seconds that took and the rows written.

    python3 py_reference.py BODIES_DIR OUT_DIR
"""
import json
import os
import sys
import time

import polars as pl


def main(bodies_dir, out_dir):
    names = sorted(os.listdir(bodies_dir), key=lambda n: int(n.split(".")[0]))
    bodies = []
    for name in names:
        with open(os.path.join(bodies_dir, name), "rb") as f:
            bodies.append(f.read())
    started = time.perf_counter()
    frames = []
    for body in bodies:
        payload = json.loads(body)
        index = payload["event"].get("sequence", {}).get("index", 1)
        valid = payload["data"].get("validRows") or []
        invalid = payload["data"].get("invalidRows") or []
        part = pl.from_dicts(valid + invalid, infer_schema_length=None)
        part = part.with_columns(
            pl.lit(index, pl.Int32).alias("_part"),
            pl.Series("_valid", [True] * len(valid) + [False] * len(invalid)),
        )
        frames.append(part)
    frame = pl.concat(frames, how="diagonal").with_row_index("_row")
    frame.write_parquet(os.path.join(out_dir, "reference.parquet"))
    frame.write_csv(os.path.join(out_dir, "reference.csv"))
    print(f"{time.perf_counter() - started:.3f} {frame.height}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""Write generated frames to pcapng: a team's copy without labels, or the director's
copy with each packet's label as its comment.

Labels travel beside the bytes (:class:`~scenarios.frames.Frame`); only in
the director's file do they become pcapng packet comments (``frame.comment`` in
Wireshark and tshark). A JSON sidecar holds the same labels in frame order plus the
ground truth of every inject, for scoring and for whoever checks a detection against
the file. A team's copy (``labels=False``) has neither: the labels and the ground
truth are the answer key.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from scapy.data import DLT_EN10MB
from scapy.utils import PcapNgWriter

from scenarios.errors import ScenarioError
from scenarios.frames import Frame
from scenarios.techniques.base import GroundTruth

SIDECAR_VERSION = 1


class _CommentedBytes(bytes):
    """Frame bytes carrying the pcapng comments Scapy's writer looks for."""

    comments: list[bytes]


def _timestamp(time: float) -> Decimal:
    """Exact microseconds, so float rounding never shifts a packet by 1 µs."""
    return Decimal(round(time * 1_000_000)) / 1_000_000


def comment_for(frame: Frame) -> str:
    """The packet comment: ``label`` plus ``team=...`` when the frame names a team."""
    return f"{frame.label} team={frame.team}" if frame.team else frame.label


def _truth_json(truth: GroundTruth | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(truth, GroundTruth):
        return {
            "observables": list(truth.observables),
            "pattern": truth.pattern,
            "description": truth.description,
        }
    return dict(truth)


def write_pcapng(
    frames: Iterable[Frame],
    path: str | Path,
    sidecar_path: str | Path | None = None,
    ground_truth: Mapping[str, GroundTruth | Mapping[str, Any]] | None = None,
    *,
    labels: bool = True,
) -> dict[str, int]:
    """Write ``frames`` to ``path`` as pcapng (Ethernet), with label comments unless
    ``labels`` is false (a team's copy, which has no sidecar either).

    ``ground_truth`` maps inject ids to their :class:`GroundTruth` (or a JSON-ready
    mapping with extra keys such as the technique and ATT&CK ids). If
    ``sidecar_path`` is given, a JSON file is written there::

        {"version": 1, "pcap": "OUT.pcapng", "frames": 1234,
         "labels": ["benign", "inject-1", ...],           # one per frame, file order
         "counts": {"benign": 1000, "inject-1": 234},
         "ground_truth": {"inject-1": {"observables": [...], "pattern": "...", ...}}}

    Returns the number of frames per label. Frames must come in time order (what
    :func:`scenarios.traffic.generate` yields); a frame earlier than its predecessor
    is refused with a :class:`ScenarioError` naming its index. The files are written
    to temporary names and renamed when complete, so a failure leaves nothing half
    written in place of an earlier export.
    """
    path = Path(path)
    if not labels and (sidecar_path is not None or ground_truth):
        raise ScenarioError(f"{path}: an unlabelled capture has no sidecar and no ground truth")
    tmp = path.with_name(path.name + ".part")
    seen: list[str] = []
    last = float("-inf")
    try:
        writer = PcapNgWriter(str(tmp))
        try:
            writer.linktype = DLT_EN10MB
            writer.write_header(None)
            for index, frame in enumerate(frames):
                if frame.time < last:
                    raise ScenarioError(
                        f"{path}: frame {index} ({frame.label}) at {frame.time} is earlier "
                        f"than the frame before it ({last}); frames must be in time order"
                    )
                last = frame.time
                data = _CommentedBytes(frame.data)
                data.comments = [comment_for(frame).encode()] if labels else []
                writer.write_packet(data, sec=_timestamp(frame.time))  # type: ignore[arg-type]
                seen.append(frame.label)
        finally:
            writer.close()
        counts = dict(sorted(Counter(seen).items()))
        if sidecar_path is not None:
            sidecar = Path(sidecar_path)
            doc = {
                "version": SIDECAR_VERSION,
                "pcap": path.name,
                "frames": len(seen),
                "labels": seen,
                "counts": counts,
                "ground_truth": {k: _truth_json(v) for k, v in (ground_truth or {}).items()},
            }
            side_tmp = sidecar.with_name(sidecar.name + ".part")
            side_tmp.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
            side_tmp.replace(sidecar)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return counts

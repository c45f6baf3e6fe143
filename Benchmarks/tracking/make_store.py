#!/usr/bin/env python3
"""Writes a tracking store of N finished runs in MLflow's file-store layout (as possum writes it),
to time `possum runs list` on a large store: make_store.py DIR N."""
import os
import sys
import time
import uuid

root, n = sys.argv[1], int(sys.argv[2])
exp = os.path.join(root, "1")
os.makedirs(os.path.join(root, "0"), exist_ok=True)
os.makedirs(exp, exist_ok=True)
with open(os.path.join(root, "0", "meta.yaml"), "w") as f:
    f.write(f"artifact_location: 'file://{os.path.abspath(root)}/0'\ncreation_time: 0\nexperiment_id: '0'\n"
            "last_update_time: 0\nlifecycle_stage: 'active'\nname: 'Default'\n")
with open(os.path.join(exp, "meta.yaml"), "w") as f:
    f.write(f"artifact_location: 'file://{os.path.abspath(exp)}'\ncreation_time: 0\nexperiment_id: '1'\n"
            "last_update_time: 0\nlifecycle_stage: 'active'\nname: 'big'\n")
now = int(time.time() * 1000)
for k in range(n):
    rid = uuid.uuid4().hex
    d = os.path.join(exp, rid)
    for sub in ("params", "metrics", "tags", "artifacts"):
        os.makedirs(os.path.join(d, sub))
    with open(os.path.join(d, "meta.yaml"), "w") as f:
        f.write(f"artifact_uri: 'file://{os.path.abspath(d)}/artifacts'\nend_time: {now + k + 5}\nentry_point_name: ''\n"
                f"experiment_id: '1'\nlifecycle_stage: 'active'\nrun_id: '{rid}'\nrun_name: 'r{k}'\nrun_uuid: '{rid}'\n"
                f"source_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: {now + k}\nstatus: 3\ntags: []\nuser_id: 'bench'\n")
    for key, value in (("solver", "simd" if k % 2 == 0 else "naive"), ("alpha", str(k))):
        with open(os.path.join(d, "params", key), "w") as f:
            f.write(value)
    for key, value in (("rmse", (k % 997) / 100), ("r2", 0.5)):
        with open(os.path.join(d, "metrics", key), "w") as f:
            f.write(f"{now + k} {value} 0\n")
    with open(os.path.join(d, "tags", "mlflow.runName"), "w") as f:
        f.write(f"r{k}")
print(f"wrote {n} runs under {exp}")

"""The example worker: polls a queue directory and reports jobs as done."""
import json
import os
import time

import requests  # noqa: F401  (used by real deployments to call the api)
import yaml

QUEUE = os.environ.get("QUEUE_DIR", "/var/queue")


def load_config(path="config.yaml"):
    with open(path) as f:
        return yaml.safe_load(f)


def run_once(cfg):
    if not os.path.isdir(QUEUE):
        return 0
    done = 0
    for name in sorted(os.listdir(QUEUE)):
        with open(os.path.join(QUEUE, name)) as f:
            job = json.load(f)
        print(f"{cfg['name']}: processed job {job.get('id', name)}")
        done += 1
    return done


if __name__ == "__main__":
    cfg = load_config()
    while True:
        run_once(cfg)
        time.sleep(cfg.get("interval", 5))

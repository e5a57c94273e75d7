"""The example report job: renders the day's orders as HTML."""
import json
import os

import jinja2
import yaml

TEMPLATE = jinja2.Template("<h1>{{ title }}</h1><ul>{% for o in orders %}<li>{{ o.id }}: {{ o.total }}</li>{% endfor %}</ul>")


def main():
    cfg = yaml.safe_load(open(os.path.join(os.path.dirname(__file__), "report.yaml")))
    orders = json.loads(os.environ.get("ORDERS", "[]"))
    print(TEMPLATE.render(title=cfg["title"], orders=orders))


if __name__ == "__main__":
    main()

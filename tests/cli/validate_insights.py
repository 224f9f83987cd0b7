# tests/cli/validate_insights.py SCHEMA FILE...: validates insights.json
# documents against docs/insights.schema.json with python3-jsonschema
# (Debian); prints each error's path and message, exits 1 on any.
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    doc = json.load(open(path))
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
        bad += 1
        where = "/".join(str(p) for p in err.path) or "(top)"
        print(f"{path}: {where}: {err.message}")
sys.exit(1 if bad else 0)

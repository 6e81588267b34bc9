#!/usr/bin/python3
"""The JSON Schema of policies (issue 18): docs/policy.schema.json is exactly
what `enforcer policy schema` generates from the loader's tables; every shipped
baseline, example and valid-corpus policy validates against it (with a real
JSON Schema validator, Debian's python3-jsonschema); and every invalid-corpus
file whose expected errors include a structural one (an unknown key, a
missing key, a value not in the list, a wrong kind) fails it.

Usage (meson test runs it): check_schema.py ENFORCER_EXE SOURCE_DIR
"""
import glob
import json
import os
import re
import subprocess
import sys

import jsonschema
import yaml

EXE, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
passed = failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what, detail)


class Yaml12Loader(yaml.SafeLoader):
    """YAML as an editor's YAML language server reads it (YAML 1.2's core
    schema): only true/false are booleans, and dates stay text."""


Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))

r = subprocess.run([EXE, "policy", "schema"], capture_output=True, text=True)
check(r.returncode == 0, "enforcer policy schema exits 0", r.stderr)
shipped = open(os.path.join(SRC, "docs", "policy.schema.json")).read()
check(r.stdout == shipped, "docs/policy.schema.json is what enforcer policy schema writes",
      "(regenerate it: enforcer policy schema > docs/policy.schema.json)")
schema = json.loads(r.stdout or shipped)
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema)


def errors_of(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        doc = yaml.load(data.decode("utf-8-sig"), Loader=Yaml12Loader)
    except (UnicodeDecodeError, yaml.YAMLError):
        return None  # not YAML: the schema has nothing to say
    return [e.message for e in validator.iter_errors(doc)]


valid = sorted(glob.glob(os.path.join(SRC, "policies", "*.yaml")) +
               glob.glob(os.path.join(SRC, "examples", "**", "*.yaml"), recursive=True) +
               glob.glob(os.path.join(SRC, "tests", "resources", "valid", "*.yaml")))
valid = [p for p in valid if os.sep + "ansible" + os.sep not in p]
for p in valid:
    errs = errors_of(p)
    check(errs == [], "schema accepts " + os.path.relpath(p, SRC), "; ".join((errs or [])[:3]))
check(len(valid) >= 16, "the baselines, examples and valid corpus (%d files)" % len(valid))

# Errors the schema expresses: keys, kinds and lists of values. Not what
# depends on another key's value ('data' for kind multi-sz) or a fact's value
# ('role' must be one of ...): the loader checks those, with their reasons.
STRUCTURAL = re.compile(r"unknown key |is missing the required key |must be one of |"
                        r"must be true or false|(?<!for kind multi-sz )must be a list|"
                        r"must be a mapping|unknown fact |must be an unsigned")
FACTS = schema["properties"]["when"]["propertyNames"]["enum"]
FACT_VALUE = re.compile(r"^'(%s)' must be one of" % "|".join(re.escape(f) for f in FACTS))
structural = 0
for p in sorted(glob.glob(os.path.join(SRC, "tests", "resources", "invalid", "*.yaml"))):
    expects = re.findall(rb"# expect: [0-9]+:[0-9]+: (.*)", open(p, "rb").read())
    texts = [e.decode("utf-8", "replace") for e in expects]
    if not any(STRUCTURAL.search(t) and not FACT_VALUE.search(t) for t in texts):
        continue
    structural += 1
    errs = errors_of(p)
    # None: not YAML an editor reads either (a sequence as a mapping key...).
    check(errs is None or errs, "schema refuses " + os.path.relpath(p, SRC), "(it accepted it)")
check(structural >= 15, "the invalid corpus has structural cases (%d)" % structural)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)

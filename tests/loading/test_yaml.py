"""The located YAML/JSON loader: tags, positions, merge keys, duplicates and hostile input."""

from __future__ import annotations

from slsguard.findings import Origin
from slsguard.loading.yaml import MAX_FILE_BYTES, YList, YMap, load_text


def test_short_tags_become_long_forms() -> None:
    text = (
        "A: !Ref Bucket\n"
        "B: !GetAtt Table.StreamArn\n"
        "C: !Sub 'arn:${AWS::Partition}:s3:::x'\n"
        "D: !If [IsProd, a, b]\n"
        "E: !Condition IsProd\n"
        "F: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}\n"
        "G: !ToJsonString {a: 1}\n"
        "H: !Base64 text\n"
    )
    root = load_text(text, "t.yaml").root
    assert root == {
        "A": {"Ref": "Bucket"},
        "B": {"Fn::GetAtt": ["Table", "StreamArn"]},
        "C": {"Fn::Sub": "arn:${AWS::Partition}:s3:::x"},
        "D": {"Fn::If": ["IsProd", "a", "b"]},
        "E": {"Condition": "IsProd"},
        "F": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k"}}},
        "G": {"Fn::ToJsonString": {"a": 1}},
        "H": {"Fn::Base64": "text"},
    }


def test_unknown_tag_is_kept_as_data() -> None:
    loaded = load_text("a: !Vault secret/path\nb: !!python/object:os.system {x: 1}\n", "t.yml")
    assert loaded.problems == []
    assert loaded.root == {"a": "secret/path", "b": {"x": 1}}


def test_every_key_and_item_keeps_its_position() -> None:
    root = load_text("top:\n  first: 1\n  list:\n    - a\n    - b: 2\n", "f.yml").root
    assert isinstance(root, YMap)
    top = root["top"]
    origin = root.origin_of("top", Origin("f.yml"))
    assert (origin.line, origin.column, origin.path) == (1, 1, ("top",))
    list_origin = top.origin_of("list", origin)
    assert (list_origin.line, list_origin.column) == (3, 3)
    items = top["list"]
    assert isinstance(items, YList)
    second = items.origin_of(1, list_origin)
    assert (second.line, second.column, second.path) == (5, 7, ("top", "list", 1))


def test_json_positions() -> None:
    root = load_text(
        '{\n  "Resources": {\n    "Topic": {"Type": "AWS::SNS::Topic"}\n  }\n}\n', "t.json"
    ).root
    resources = root["Resources"]
    origin = resources.origin_of("Topic", Origin("t.json"))
    assert (origin.line, origin.column) == (3, 5)


def test_scalars_follow_yaml_but_dates_stay_text() -> None:
    root = load_text("v: 2012-10-17\nn: 3\nf: 1.5\nb: true\nz: null\ns: '3'\n", "t.yml").root
    assert root == {"v": "2012-10-17", "n": 3, "f": 1.5, "b": True, "z": None, "s": "3"}


def test_merge_keys_and_explicit_keys_win() -> None:
    root = load_text("d: &d {a: 1, b: 2}\nm:\n  <<: *d\n  b: 3\n", "t.yml").root
    assert root["m"] == {"a": 1, "b": 3}


def test_duplicate_keys_are_reported_and_last_wins() -> None:
    loaded = load_text("a: 1\nb: 2\na: 3\n", "t.yml")
    assert loaded.root == {"a": 3, "b": 2}
    [problem] = loaded.problems
    assert problem.kind == "duplicate-key"
    assert (problem.origin.line, problem.origin.path) == (3, ("a",))
    assert "first at line 1" in problem.message


def test_syntax_error_is_a_parse_problem_with_position() -> None:
    loaded = load_text("a:\n  b: 1\n   c: 2\n", "bad.yml")
    assert loaded.root is None
    [problem] = loaded.problems
    assert problem.kind == "parse-error"
    assert (problem.origin.line, problem.origin.column) == (3, 5)


def test_alias_bomb_is_stopped() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for index, name in enumerate("bcdefghij"):
        previous = "abcdefghij"[index]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 10) + "]")
    loaded = load_text("\n".join(lines), "bomb.yml")
    assert loaded.root is None
    assert "alias expansion" in loaded.problems[0].message


def test_deep_nesting_is_stopped() -> None:
    loaded = load_text("a: " + "[" * 300 + "]" * 300, "deep.yml")
    assert loaded.root is None
    assert loaded.problems[0].kind == "parse-error"


def test_oversized_text_is_refused_before_parsing() -> None:
    loaded = load_text("a: " + "x" * MAX_FILE_BYTES, "big.yml")
    assert loaded.root is None
    assert "larger than" in loaded.problems[0].message

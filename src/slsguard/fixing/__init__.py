"""Byte-preserving edits of templates and Terraform files, the machinery of `slsguard fix`.

`text` holds the edit type and the encoding round trip (BOM, line endings), `yaml_edit`
and `hcl_edit` turn located requests into edits written in each file's own style, and
`files` checks, reads and atomically writes the files. Nothing here re-serialises a file:
every byte outside an edit's span stays as it was.
"""

"""Handler code analysis: find each function's code, parse it, follow event data to sinks.

`locate` finds the source a template's handler points at (Serverless `handler`, SAM
`CodeUri` + `Handler`, CloudFormation inline `ZipFile`, esbuild/TypeScript entry points);
`sources` says which event fields the function's triggers let an attacker control;
`python` (standard `ast`) and `javascript` (tree-sitter, imported lazily) follow those
fields through the code to dangerous calls; `facts` runs it once per application.
"""

"""The IAM part of the loaded model: each function's role, statements and boundary.

Every syntax a loader understands is checked with exact values: which role a function runs
with (its key), the statements that reach it (effect, actions, resources, who granted
them), its managed policies and its permissions boundary. The Serverless cases follow the
Framework's documented semantics per major version and the serverless-iam-roles-per-function
plugin's source (it copies the provider *statements* only, and clones the provider role's
boundary).
"""

from __future__ import annotations

from pathlib import Path

from slsguard.discovery import discover
from slsguard.loading import LoadOptions, load_all
from slsguard.model import Application, Function, Role

LOGS = (
    "logs:CreateLogStream",
    "logs:CreateLogGroup",
    "logs:PutLogEvents",
)
LOG_GROUP = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/*:*"
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders"
ASSUME = """
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole"""
"""The trust policy, for `Properties:` of a resource indented by two spaces."""
ASSUME_NESTED = ASSUME.replace("\n", "\n  ")
"""The same under Serverless `resources: Resources:` (two spaces deeper)."""

Grant = tuple[str, tuple[str, ...], tuple[str, ...], str]


def load(tmp_path: Path, files: dict[str, str]) -> Application:
    """The one application the files under `tmp_path` make."""
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    result = load_all(discover([tmp_path], tmp_path), LoadOptions(), tmp_path)
    assert len(result.apps) == 1, result.file_notes
    return result.apps[0]


def function(app: Application, name: str) -> Function:
    """The function called `name`."""
    (found,) = [fn for fn in app.functions if fn.name == name]
    return found


def role_of(app: Application, name: str) -> Role:
    """The role a function runs with."""
    role = function(app, name).role
    assert role is not None
    return role


def grants(role: Role) -> list[Grant]:
    """(effect, actions, resources, granted_by) of every statement reaching the role."""
    return [
        (s.effect, s.actions or s.not_actions, s.resources or s.not_resources, s.granted_by)
        for s in role.all_statements()
    ]


def user_grants(role: Role) -> list[Grant]:
    """`grants` without what the Framework adds by itself."""
    return [grant for grant in grants(role) if grant[3] != "framework"]


def managed(role: Role) -> list[str]:
    """The ARNs of the role's managed policies."""
    return [policy.arn for policy in role.managed_policies]


def boundary(role: Role) -> tuple[str, bool] | None:
    """(ARN or logical id, defined in the template) of the role's boundary."""
    return None if role.boundary is None else (role.boundary.arn, role.boundary.known)


LOGS_GRANT: Grant = ("Allow", LOGS, (LOG_GROUP,), "framework")


# -- Serverless Framework: the provider role ---------------------------------------------------


def test_v2_provider_statements_managed_policies_and_boundary(tmp_path: Path) -> None:
    app = load(
        tmp_path,
        {
            "serverless.yml": f"""
service: legacy
frameworkVersion: "2"
custom:
  table: {TABLE}
provider:
  name: aws
  rolePermissionsBoundary: arn:aws:iam::123456789012:policy/boundary
  iamRoleStatements:
    - Effect: Allow
      Action: [dynamodb:GetItem]
      Resource: ${{self:custom.table}}
  iamManagedPolicies:
    - arn:aws:iam::aws:policy/ReadOnlyAccess
functions:
  create:
    handler: handler.create
  remove:
    handler: handler.remove
""",
        },
    )
    create, remove = role_of(app, "create"), role_of(app, "remove")
    assert create.key == remove.key == "IamRoleLambdaExecution"
    assert create == remove  # One shared role, frozen once with every function's grants.
    assert grants(create) == [
        ("Allow", ("dynamodb:GetItem",), (TABLE,), "user"),
        LOGS_GRANT,  # once for the shared role, not once per function
    ]
    assert [s.policy for s in create.statements][:1] == ["provider.iamRoleStatements"]
    assert managed(create) == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert boundary(create) == ("arn:aws:iam::123456789012:policy/boundary", False)


def test_v3_provider_iam_role_and_trigger_grants(tmp_path: Path) -> None:
    app = load(
        tmp_path,
        {
            "serverless.yml": f"""
service: orders
frameworkVersion: "3"
provider:
  name: aws
  iam:
    role:
      permissionsBoundary: !Ref Boundary
      managedPolicies:
        - AmazonS3ReadOnlyAccess
      statements:
        - Effect: Allow
          Action: [sqs:SendMessage]
          Resource: ${{ssm:/orders/queue-arn}}
        - Effect: Deny
          Action: [dynamodb:DeleteTable]
          Resource: "*"
functions:
  consume:
    handler: handler.consume
    events:
      - sqs: {QUEUE}
  write:
    handler: handler.write
resources:
  Resources:
    Boundary:
      Type: AWS::IAM::ManagedPolicy
      Properties:
        PolicyDocument:
          Statement:
            - Effect: Allow
              Action: ["sqs:*"]
              Resource: "*"
""",
        },
    )
    role = role_of(app, "consume")
    assert role == role_of(app, "write")
    assert role.key == "IamRoleLambdaExecution"
    assert grants(role) == [
        ("Allow", ("sqs:SendMessage",), ("${ssm:/orders/queue-arn}",), "user"),
        ("Deny", ("dynamodb:DeleteTable",), ("*",), "user"),
        LOGS_GRANT,
        (
            "Allow",
            ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
            (QUEUE,),
            "framework",
        ),
    ]
    ssm, deny = role.statements[0], role.statements[1]
    assert ssm.resource_references == (True,)  # Not a literal `*`, whatever it holds.
    assert ssm.policy == "provider.iam.role.statements"
    assert deny.literal_star_resource()
    # A bare managed-policy name is an AWS managed policy.
    assert managed(role) == ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
    assert role.managed_policies[0].aws_managed
    assert boundary(role) == ("Boundary", True)
    assert role.boundary is not None
    assert [(s.actions, s.resources) for s in role.boundary.statements] == [(("sqs:*",), ("*",))]


def test_provider_role_arn_means_no_generated_roles(tmp_path: Path) -> None:
    arn = "arn:aws:iam::123456789012:role/platform-lambda"
    app = load(
        tmp_path,
        {
            "serverless.yml": f"""
service: orders
frameworkVersion: "4"
provider:
  name: aws
  iam:
    role: {arn}
functions:
  create:
    handler: handler.create
    iam:
      role:
        statements:
          - Effect: Allow
            Action: ["s3:*"]
            Resource: "*"
  legacy:
    handler: handler.legacy
    iamRoleStatements:
      - Effect: Allow
        Action: ["s3:*"]
        Resource: "*"
""",
        },
    )
    for name in ("create", "legacy"):
        role = role_of(app, name)
        assert (role.key, role.name, role.external) == (arn, "platform-lambda", True)
        assert grants(role) == []
        assert managed(role) == []


def test_v2_provider_role_and_function_roles_in_resources(tmp_path: Path) -> None:
    app = load(
        tmp_path,
        {
            "serverless.yml": f"""
service: orders
frameworkVersion: "2"
provider:
  name: aws
  role: DefaultRole
functions:
  other:
    handler: handler.other
  create:
    handler: handler.create
    role: WorkerRole
  read:
    handler: handler.read
    role: !GetAtt WorkerRole.Arn
  external:
    handler: handler.external
    role: arn:aws:iam::123456789012:role/external
resources:
  Resources:
    DefaultRole:
      Type: AWS::IAM::Role
      Properties:{ASSUME_NESTED}
        ManagedPolicyArns:
          - arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess
    WorkerRole:
      Type: AWS::IAM::Role
      Properties:{ASSUME_NESTED}
        PermissionsBoundary: arn:aws:iam::123456789012:policy/boundary
        Policies:
          - PolicyName: worker
            PolicyDocument:
              Statement:
                - Effect: Allow
                  Action: [dynamodb:PutItem]
                  Resource: !GetAtt Table.Arn
    WorkerExtra:
      Type: AWS::IAM::Policy
      Properties:
        PolicyName: extra
        Roles: [!Ref WorkerRole]
        PolicyDocument:
          Statement:
            - Effect: Allow
              Action: [sqs:SendMessage]
              Resource: {QUEUE}
""",
        },
    )
    default = role_of(app, "other")
    assert (default.key, default.external) == ("DefaultRole", False)
    # The Framework adds nothing to a role the user defines.
    assert grants(default) == []
    assert managed(default) == ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"]

    worker = role_of(app, "create")
    assert worker == role_of(app, "read")
    assert worker.key == "WorkerRole"
    assert grants(worker) == [
        ("Allow", ("dynamodb:PutItem",), ("!GetAtt Table.Arn",), "user"),
        ("Allow", ("sqs:SendMessage",), (QUEUE,), "user"),
    ]
    assert [s.policy for s in worker.statements] == ["WorkerRole.worker", "WorkerExtra"]
    assert boundary(worker) == ("arn:aws:iam::123456789012:policy/boundary", False)

    external = role_of(app, "external")
    assert (external.key, external.external, grants(external)) == (
        "arn:aws:iam::123456789012:role/external",
        True,
        [],
    )


def test_resources_from_included_files_keep_their_file(tmp_path: Path) -> None:
    app = load(
        tmp_path,
        {
            "serverless.yml": """
service: orders
frameworkVersion: "3"
custom:
  bucket: uploads
provider:
  name: aws
functions:
  create:
    handler: handler.create
    role: WorkerRole
resources:
  - ${file(resources/roles.yml)}
  - ${file(resources/policies.yml)}
""",
            "resources/roles.yml": f"""Resources:
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:{ASSUME}
""",
            "resources/policies.yml": """Resources:
  WorkerPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: worker
      Roles: [{Ref: WorkerRole}]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: [s3:PutObject]
            Resource: arn:aws:s3:::${self:custom.bucket}/*
""",
        },
    )
    role = role_of(app, "create")
    assert (role.origin.file, role.origin.line) == ("resources/roles.yml", 2)
    assert grants(role) == [("Allow", ("s3:PutObject",), ("arn:aws:s3:::uploads/*",), "user")]
    (statement,) = role.statements
    assert (statement.origin.file, statement.action_origin and statement.action_origin.line) == (
        "resources/policies.yml",
        10,
    )


# -- Serverless Framework: per-function roles --------------------------------------------------

TOPIC = "arn:aws:sns:us-east-1:123456789012:t"
PROVIDER_STATEMENT: Grant = ("Allow", ("sns:Publish",), (TOPIC,), "user")
PER_FUNCTION_PROVIDER = """
provider:
  name: aws
  iam:
    role:
      permissionsBoundary: arn:aws:iam::123456789012:policy/provider-boundary
      managedPolicies:
        - arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess
      statements:
        - Effect: Allow
          Action: [sns:Publish]
          Resource: arn:aws:sns:us-east-1:123456789012:t
"""
PER_FUNCTION_MODE_PROVIDER = PER_FUNCTION_PROVIDER.replace(
    "    role:", "    role:\n      mode: perFunction"
)


def test_v3_plugin_roles(tmp_path: Path) -> None:
    app = load(
        tmp_path,
        {
            "serverless.yml": f"""
service: orders
frameworkVersion: "3"
plugins:
  - serverless-iam-roles-per-function
custom:
  serverless-iam-roles-per-function:
    defaultInherit: true
{PER_FUNCTION_PROVIDER}
functions:
  inherits:
    handler: handler.inherits
    iamRoleStatements:
      - Effect: Allow
        Action: [dynamodb:GetItem]
        Resource: {TABLE}
  alone:
    handler: handler.alone
    iamRoleStatementsInherit: false
    iamPermissionsBoundary: arn:aws:iam::123456789012:policy/own-boundary
    iamRoleStatements: []
  shared:
    handler: handler.shared
""",
        },
    )
    inherits = role_of(app, "inherits")
    assert inherits.key == "InheritsIamRoleLambdaExecution"
    assert grants(inherits) == [
        ("Allow", ("dynamodb:GetItem",), (TABLE,), "user"),
        PROVIDER_STATEMENT,
        LOGS_GRANT,
    ]
    assert [s.policy for s in inherits.statements[:2]] == [
        "functions.inherits",
        "provider.iam.role.statements",
    ]
    # The plugin copies statements only, and clones the provider role's boundary.
    assert managed(inherits) == []
    assert boundary(inherits) == ("arn:aws:iam::123456789012:policy/provider-boundary", False)

    alone = role_of(app, "alone")
    assert alone.key == "AloneIamRoleLambdaExecution"
    assert grants(alone) == [LOGS_GRANT]
    assert boundary(alone) == ("arn:aws:iam::123456789012:policy/own-boundary", False)

    shared = role_of(app, "shared")
    assert shared.key == "IamRoleLambdaExecution"
    assert grants(shared) == [PROVIDER_STATEMENT, LOGS_GRANT]
    assert managed(shared) == ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"]


def test_v3_plugin_global_boundary(tmp_path: Path) -> None:
    app = load(
        tmp_path,
        {
            "serverless.yml": """
service: orders
frameworkVersion: "3"
plugins:
  modules:
    - serverless-iam-roles-per-function
custom:
  serverless-iam-roles-per-function:
    iamGlobalPermissionsBoundary: arn:aws:iam::123456789012:policy/global
provider:
  name: aws
functions:
  own:
    handler: handler.own
    iamRoleStatements: []
  shared:
    handler: handler.shared
""",
        },
    )
    assert boundary(role_of(app, "own")) == ("arn:aws:iam::123456789012:policy/global", False)
    assert boundary(role_of(app, "shared")) == ("arn:aws:iam::123456789012:policy/global", False)


def test_v3_function_statements_without_plugin_are_ignored(tmp_path: Path) -> None:
    app = load(
        tmp_path,
        {
            "serverless.yml": f"""
service: orders
frameworkVersion: "3"
provider:
  name: aws
functions:
  create:
    handler: handler.create
    iamRoleStatements:
      - Effect: Allow
        Action: ["*"]
        Resource: "*"
  native:
    handler: handler.native
    iam:
      role:
        statements:
          - Effect: Allow
            Action: [dynamodb:GetItem]
            Resource: {TABLE}
""",
        },
    )
    for name in ("create", "native"):
        role = role_of(app, name)
        assert role.key == "IamRoleLambdaExecution"
        assert user_grants(role) == []
    (note,) = [note for note in app.notes if "iamRoleStatements" in note.violation.message]
    assert note.rule_id == "SLS002"
    assert note.violation.function == "create"


def test_v4_native_function_roles(tmp_path: Path) -> None:
    app = load(
        tmp_path,
        {
            "serverless.yml": f"""
service: orders
frameworkVersion: "4"
{PER_FUNCTION_PROVIDER}
functions:
  native:
    handler: handler.native
    iam:
      inheritStatements: true
      role:
        statements:
          - Effect: Allow
            Action: [dynamodb:GetItem]
            Resource: {TABLE}
        managedPolicies:
          - arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess
        permissionsBoundary: arn:aws:iam::123456789012:policy/native-boundary
  policiesOnly:
    handler: handler.policiesOnly
    iam:
      role:
        managedPolicies:
          - arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess
  legacy:
    handler: handler.legacy
    iamRoleStatementsInherit: true
    iamRoleStatements:
      - Effect: Allow
        Action: [sqs:SendMessage]
        Resource: {QUEUE}
  shared:
    handler: handler.shared
""",
        },
    )
    native = role_of(app, "native")
    assert native.key == "NativeIamRoleLambdaExecution"
    assert grants(native) == [
        ("Allow", ("dynamodb:GetItem",), (TABLE,), "user"),
        PROVIDER_STATEMENT,
        LOGS_GRANT,
    ]
    assert native.statements[0].policy == "functions.native.iam.role"
    # inheritStatements merges the provider statements, not its managed policies.
    assert managed(native) == ["arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"]
    assert boundary(native) == ("arn:aws:iam::123456789012:policy/native-boundary", False)

    policies_only = role_of(app, "policiesOnly")
    assert policies_only.key == "PoliciesOnlyIamRoleLambdaExecution"
    assert grants(policies_only) == [LOGS_GRANT]
    assert managed(policies_only) == ["arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"]
    assert boundary(policies_only) is None

    legacy = role_of(app, "legacy")  # v4 reads the plugin's keys natively.
    assert legacy.key == "LegacyIamRoleLambdaExecution"
    assert grants(legacy) == [
        ("Allow", ("sqs:SendMessage",), (QUEUE,), "user"),
        PROVIDER_STATEMENT,
        LOGS_GRANT,
    ]

    shared = role_of(app, "shared")
    assert shared.key == "IamRoleLambdaExecution"
    assert grants(shared) == [PROVIDER_STATEMENT, LOGS_GRANT]
    assert boundary(shared) == ("arn:aws:iam::123456789012:policy/provider-boundary", False)


def test_v4_per_function_mode(tmp_path: Path) -> None:
    app = load(
        tmp_path,
        {
            "serverless.yml": f"""
service: orders
frameworkVersion: "4"
{PER_FUNCTION_MODE_PROVIDER}
functions:
  list:
    handler: handler.list
  get:
    handler: handler.get
    iam:
      role:
        statements:
          - Effect: Allow
            Action: [dynamodb:GetItem]
            Resource: {TABLE}
        managedPolicies:
          - arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess
        permissionsBoundary: arn:aws:iam::123456789012:policy/get-boundary
  quiet:
    handler: handler.quiet
    iam:
      inheritStatements: false
""",
        },
    )
    provider_boundary = ("arn:aws:iam::123456789012:policy/provider-boundary", False)
    listing = role_of(app, "list")
    assert listing.key == "ListIamRoleLambdaExecution"
    assert grants(listing) == [PROVIDER_STATEMENT, LOGS_GRANT]
    assert managed(listing) == ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"]
    assert boundary(listing) == provider_boundary

    get = role_of(app, "get")
    assert get.key == "GetIamRoleLambdaExecution"
    assert grants(get) == [
        ("Allow", ("dynamodb:GetItem",), (TABLE,), "user"),
        PROVIDER_STATEMENT,
        LOGS_GRANT,
    ]
    assert managed(get) == [
        "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess",
        "arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess",
    ]
    assert boundary(get) == ("arn:aws:iam::123456789012:policy/get-boundary", False)

    quiet = role_of(app, "quiet")
    assert quiet.key == "QuietIamRoleLambdaExecution"
    assert grants(quiet) == [LOGS_GRANT]
    assert managed(quiet) == ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"]
    assert boundary(quiet) == provider_boundary
    assert all(fn.role and fn.role.key != "IamRoleLambdaExecution" for fn in app.functions)


def test_per_function_mode_needs_v4(tmp_path: Path) -> None:
    app = load(
        tmp_path,
        {
            "serverless.yml": f"""
service: orders
frameworkVersion: "3"
{PER_FUNCTION_MODE_PROVIDER}
functions:
  list:
    handler: handler.list
  get:
    handler: handler.get
""",
        },
    )
    assert role_of(app, "list") == role_of(app, "get")
    assert role_of(app, "list").key == "IamRoleLambdaExecution"


# -- SAM -------------------------------------------------------------------------------------


def test_sam_policies_templates_role_and_boundary(tmp_path: Path) -> None:
    app = load(
        tmp_path,
        {
            "template.yaml": f"""
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    PermissionsBoundary: arn:aws:iam::123456789012:policy/sam-boundary
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.api
      Policies:
        - AmazonDynamoDBReadOnlyAccess
        - arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess
        - DynamoDBReadPolicy:
            TableName: orders
        - Statement:
            - Effect: Allow
              Action: [sqs:SendMessage]
              Resource: !GetAtt Queue.Arn
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.worker
      Role: !GetAtt WorkerRole.Arn
      Policies:
        - AdministratorAccess
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:{ASSUME}
      Policies:
        - PolicyName: worker
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [s3:GetObject]
                Resource: arn:aws:s3:::uploads/*
  Queue:
    Type: AWS::SQS::Queue
""",
        },
    )
    ddb = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders"
    api = role_of(app, "Api")
    assert api.key == "ApiRole"
    assert grants(api) == [
        (
            "Allow",
            (
                "dynamodb:GetItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
            ),
            (ddb, f"{ddb}/index/*"),
            "policy-template",
        ),
        ("Allow", ("sqs:SendMessage",), ("!GetAtt Queue.Arn",), "user"),
    ]
    assert api.statements[0].policy == "DynamoDBReadPolicy"
    assert managed(api) == [
        BASIC,
        "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess",
        "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    ]
    assert boundary(api) == ("arn:aws:iam::123456789012:policy/sam-boundary", False)

    # With Role, SAM ignores Policies and PermissionsBoundary.
    worker = role_of(app, "Worker")
    assert worker.key == "WorkerRole"
    assert grants(worker) == [("Allow", ("s3:GetObject",), ("arn:aws:s3:::uploads/*",), "user")]
    assert managed(worker) == []
    assert boundary(worker) is None


def test_sam_null_role_means_the_generated_role(tmp_path: Path) -> None:
    # AWS's .NET project templates write `"Role": null` beside their Policies.
    app = load(
        tmp_path,
        {
            "serverless.template": """{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Transform": "AWS::Serverless-2016-10-31",
  "Resources": {
    "Api": {
      "Type": "AWS::Serverless::Function",
      "Properties": {
        "Handler": "Api::Api.Function::Handler",
        "Runtime": "dotnet8",
        "Role": null,
        "Policies": ["AWSLambda_FullAccess"]
      }
    }
  }
}
""",
        },
    )
    api = role_of(app, "Api")
    assert api.key == "ApiRole"
    assert managed(api) == [BASIC, "arn:aws:iam::aws:policy/AWSLambda_FullAccess"]


# -- CloudFormation ----------------------------------------------------------------------------


def test_cloudformation_roles_policies_and_boundary(tmp_path: Path) -> None:
    app = load(
        tmp_path,
        {
            "stack.yaml": f"""
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  TableArn:
    Type: String
    Default: {TABLE}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
      Role: !GetAtt FnRole.Arn
      Code: {{ZipFile: "x"}}
  ByRef:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
      Role: !Sub "arn:aws:iam::${{AWS::AccountId}}:role/${{FnRole}}"
      Code: {{ZipFile: "x"}}
  FnRole:
    Type: AWS::IAM::Role
    Properties:{ASSUME}
      PermissionsBoundary: !Ref Boundary
      ManagedPolicyArns:
        - !Sub arn:${{AWS::Partition}}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
        - !Ref Attached
      Policies:
        - PolicyName: inline
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [dynamodb:Query]
                Resource: !Ref TableArn
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref FnRole]
      PolicyDocument:
        Statement:
          Effect: Allow
          Action: sqs:SendMessage
          Resource: {QUEUE}
  Attached:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: [sns:Publish]
            Resource: "*"
  AttachedByRoles:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [!Ref FnRole]
      PolicyDocument:
        Statement:
          - Effect: Allow
            NotAction: [iam:*]
            Resource: "*"
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: ["dynamodb:*", "sqs:*", "sns:*"]
            Resource: "*"
""",
        },
    )
    role = role_of(app, "Fn")
    assert role_of(app, "ByRef") == role
    assert role.key == "FnRole"
    assert grants(role) == [
        ("Allow", ("dynamodb:Query",), (TABLE,), "user"),
        ("Allow", ("sqs:SendMessage",), (QUEUE,), "user"),
        ("Allow", ("sns:Publish",), ("*",), "user"),
        ("Allow", ("iam:*",), ("*",), "user"),
    ]
    assert [s.policy for s in role.all_statements()] == [
        "FnRole.inline",
        "Extra",
        "Attached",
        "AttachedByRoles",
    ]
    assert role.statements[0].resource_references == (False,)  # A parameter default.
    assert [(p.arn, p.aws_managed, p.known) for p in role.managed_policies] == [
        (BASIC.replace("arn:aws:", "arn:${AWS::Partition}:"), True, False),
        ("Attached", False, True),
        ("AttachedByRoles", False, True),
    ]
    assert boundary(role) == ("Boundary", True)

"""function-outside-vpc (SLS210): a function that talks to a VPC data store from outside a VPC.

## What it does
Reports a function with no VPC configuration (Serverless `vpc` on the function or the
provider; SAM and CloudFormation `VpcConfig`, including SAM `Globals`) that evidently
connects to a data store living in a VPC defined in the same template: an RDS or Aurora
instance, cluster or proxy, an ElastiCache or MemoryDB cluster, a DocumentDB or Neptune
cluster, a Redshift cluster, or an OpenSearch/Elasticsearch domain with `VPCOptions`.

The evidence is an environment value holding the store's endpoint (`!GetAtt
Db.Endpoint.Address`, `${Cache.RedisEndpoint.Address}` in a `!Sub`, or the same through
`${self:...}`), or a role statement that grants a network-level connect action on it
(`rds-db:connect`, `elasticache:Connect`, `memorydb:Connect`, `neptune-db:*`,
`es:ESHttp*`). ARNs and names alone (Aurora's Data API, control-plane calls) are not
evidence. Functions without evidence are not reported.

## Why is this bad?
A VPC data store is meant to be reachable only from inside its network. A function
outside the VPC can reach it only if the store is opened to the internet, so the data
travels over public networks and the store's exposure grows with every such function.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.t4g.micro
      AllocatedStorage: "20"
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          DB_HOST: !GetAtt Database.Endpoint.Address
```

## Fix
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      DBInstanceClass: db.t4g.micro
      AllocatedStorage: "20"
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      VpcConfig:
        SecurityGroupIds: [sg-0123456789abcdef0]
        SubnetIds: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
      Environment:
        Variables:
          DB_HOST: !GetAtt Database.Endpoint.Address
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
- https://docs.aws.amazon.com/securityhub/latest/userguide/lambda-controls.html#lambda-3
"""

from collections.abc import Iterator

from slsguard.analysis.resources import (
    Resource,
    ResourceIndex,
    referenced_attributes,
    referenced_ids,
)
from slsguard.analysis.targets import function_target
from slsguard.findings import Severity, Violation
from slsguard.fixes import Grant, Placeholder, SetSetting, unsafe
from slsguard.iam import actions
from slsguard.located import YMap
from slsguard.model import Application, Function
from slsguard.rules import Context, rule
from slsguard.tf_address import resource_name

DATA_STORES = {
    "AWS::RDS::DBInstance": "RDS DB instance",
    "AWS::RDS::DBCluster": "RDS/Aurora cluster",
    "AWS::RDS::DBProxy": "RDS proxy",
    "AWS::RDS::DBProxyEndpoint": "RDS proxy endpoint",
    "AWS::ElastiCache::CacheCluster": "ElastiCache cluster",
    "AWS::ElastiCache::ReplicationGroup": "ElastiCache replication group",
    "AWS::ElastiCache::ServerlessCache": "ElastiCache serverless cache",
    "AWS::MemoryDB::Cluster": "MemoryDB cluster",
    "AWS::DocDB::DBCluster": "DocumentDB cluster",
    "AWS::DocDB::DBInstance": "DocumentDB instance",
    "AWS::Neptune::DBCluster": "Neptune cluster",
    "AWS::Neptune::DBInstance": "Neptune instance",
    "AWS::Redshift::Cluster": "Redshift cluster",
    "AWS::OpenSearchService::Domain": "OpenSearch domain",
    "AWS::Elasticsearch::Domain": "Elasticsearch domain",
}
# Attributes that name or identify a store without connecting to it.
_IDENTITY_ATTRIBUTES = frozenset(
    {"arn", "domainarn", "dbclusterarn", "dbinstancearn", "dbproxyarn", "id", "domainname"}
)
_CONNECT_ACTIONS = ("rds-db:connect", "elasticache:connect", "memorydb:connect")
_CONNECT_PREFIXES = ("neptune-db:", "es:eshttp")


@rule(
    "SLS210",
    "function-outside-vpc",
    Severity.LOW,
    "A function that talks to a VPC data store but is not in a VPC",
    practice="P3",
    mappings={
        "owasp-serverless": "S6",
        "cwe": "CWE-923",
        "fsbp": "Lambda.3",
        "pci-dss-4.0": "1.3.1",
        "hipaa": "164.312(e)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Functions with evidence of a VPC data store and no VPC configuration."""
    index = ResourceIndex.of(app)
    stores = {resource.logical_id: resource for resource in _vpc_stores(index)}
    if not stores:
        return
    provider_vpc = _provider_vpc(app)
    for fn in app.functions:
        inherits = app.kind == "serverless" and fn.origin.path[:1] == ("functions",)
        if (provider_vpc and inherits) or _in_vpc(fn):
            continue
        evidence = _evidence(fn, stores)
        if evidence is None:
            continue
        store, how = evidence
        yield Violation(
            fn.origin,
            f"function {fn.name} {how} of {DATA_STORES[store.type]} "
            f"{resource_name(app, store.logical_id)} "
            "but has no VPC configuration: it can only reach the store if the store is "
            "exposed outside its VPC",
            intents=(_into_vpc(app, fn),),
            function=fn.name,
            subject=fn.name,
        )


def _vpc_stores(index: ResourceIndex) -> Iterator[Resource]:
    for resource in index.of_type(*DATA_STORES):
        if resource.type.endswith("::Domain") and "VPCOptions" not in resource.properties:
            continue  # A domain without VPCOptions has a public endpoint.
        yield resource


def _evidence(fn: Function, stores: dict[str, Resource]) -> tuple[Resource, str] | None:
    for variable in fn.environment:
        for logical_id, attribute in referenced_attributes(variable.value):
            if logical_id in stores and attribute.lower() not in _IDENTITY_ATTRIBUTES:
                return stores[logical_id], f"reads the endpoint ({variable.name})"
    if fn.role is None:
        return None
    for statement in fn.role.all_statements():
        if not statement.is_allow or not any(_connects(pattern) for pattern in statement.actions):
            continue
        for text in statement.resources:
            for logical_id in referenced_ids(text):
                if logical_id in stores:
                    return stores[logical_id], "is granted a connect action on the endpoint"
    return None


def _connects(pattern: str) -> bool:
    lowered = pattern.lower()
    if lowered.startswith(_CONNECT_PREFIXES):
        return True
    return any(actions.matches(pattern, action) for action in _CONNECT_ACTIONS) and lowered != "*"


def _in_vpc(fn: Function) -> bool:
    settings = fn.settings if isinstance(fn.settings, YMap) else YMap()
    for key in ("vpc", "VpcConfig"):
        value = settings.get(key)
        if value not in (None, "", {}):
            return True
    return False


def _provider_vpc(app: Application) -> bool:
    if app.kind != "serverless" or not isinstance(app.template, YMap):
        return False
    provider = app.template.get("provider")
    return isinstance(provider, YMap) and provider.get("vpc") not in (None, "", {})


_VPC = {
    "security_groups": [Placeholder("security group the store allows")],
    "subnets": [Placeholder("private subnets of the store's VPC")],
}
_VPC_ACCESS = Grant(
    ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"),
    managed_policy="AWSLambdaVPCAccessExecutionRole",
)


def _into_vpc(app: Application, fn: Function) -> SetSetting:
    """The function in the store's VPC, with the network-interface permissions it needs."""
    return SetSetting(
        function_target(app, fn),
        "vpc",
        _VPC,
        unsafe("outside the VPC the function then needs a NAT gateway or VPC endpoints"),
        grants=(_VPC_ACCESS,),
    )

"""Serverless Framework configs into the model, with every IAM syntax the Framework accepts.

Roles follow the Framework's own rules, which depend on its major version and plugins:
- the provider role (`provider.iamRoleStatements`, `provider.iam.role.statements`,
  `iamManagedPolicies`/`managedPolicies`, `permissionsBoundary`) is shared by every function
  that has no role of its own;
- `provider.iam.role` (or v2's `provider.role`) naming an existing role replaces it, and then
  no per-function roles exist;
- `functions.X.role` names a role in `resources:` or an ARN;
- `functions.X.iamRoleStatements` makes a per-function role only with the
  serverless-iam-roles-per-function plugin (v3 and earlier) or natively in v4 (assumed when
  `frameworkVersion` is absent: judging what may be deployed beats ignoring it), inheriting the
  provider *statements* (never its managed policies) when `iamRoleStatementsInherit` (or the
  plugin's `defaultInherit`) is set; its boundary is `iamPermissionsBoundary`, else the
  plugin's `iamGlobalPermissionsBoundary`, else the provider role's (the plugin clones it);
- `functions.X.iam.role.statements`/`managedPolicies` are v4's native per-function roles;
  `functions.X.iam.inheritStatements: true` merges the provider statements;
- `provider.iam.role.mode: perFunction` (v4) gives every function its own role carrying the
  provider statements (unless `functions.X.iam.inheritStatements: false`), managed policies
  and permissions boundary, extended by the function's own `iam.role.*`.
The Framework adds CloudWatch Logs, stream and queue permissions by itself to the roles it
generates (not to roles the user defines or names): they are modelled as
`granted_by="framework"`, not mistaken for the user's grants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from slsguard.findings import Origin, Severity, Violation
from slsguard.loading.cloudformation import (
    RoleBuilder,
    Stack,
    build_stack,
    environment,
    lambda_functions,
    lambda_permissions,
    policy_ref,
    resolve_role,
)
from slsguard.loading.policies import child_origin, parse_statements
from slsguard.loading.variables import is_limit
from slsguard.loading.yaml import Position, YList, YMap
from slsguard.model import (
    Application,
    Document,
    Function,
    Note,
    PolicyRef,
    Reference,
    Role,
    Statement,
    Trigger,
    render,
)

PER_FUNCTION_PLUGIN = "serverless-iam-roles-per-function"


@dataclass(frozen=True, slots=True)
class Settings:
    """What the config says about how the Framework will treat IAM."""

    major_version: int | None
    plugins: frozenset[str]
    default_inherit: bool
    global_boundary: Any

    @property
    def per_function_statements(self) -> bool:
        """Whether `functions.X.iamRoleStatements` creates a per-function role."""
        # Without `frameworkVersion`, assume the current major (v4), which applies them natively:
        # judging statements that may be deployed beats ignoring them.
        return PER_FUNCTION_PLUGIN in self.plugins or (self.major_version or 4) >= 4


def framework_major(value: Any) -> int | None:
    """The major version a `frameworkVersion` constraint allows: `^3.38.0` and `>=3 <4` → 3."""
    digits = re.findall(r"\d+", render(value))
    return int(digits[0]) if digits else None


def plugin_names(config: YMap) -> frozenset[str]:
    """The plugins listed in `plugins:` (a list, or `{modules: [...]}`)."""
    plugins = config.get("plugins")
    if isinstance(plugins, YMap):
        plugins = plugins.get("modules")
    if not isinstance(plugins, list):
        return frozenset()
    return frozenset(render(name).strip() for name in plugins)


def load_serverless(config: YMap, file: str, documents: tuple[Document, ...]) -> Application:
    """Build the application from a config whose variables are already resolved."""
    origin = Origin(file, (), 1, 1)
    other_provider = _non_aws_provider(config, origin)
    if other_provider is not None:
        return other_provider
    resources = merged_resources(config, origin)
    template = YMap(file, (1, 1))
    template["Resources"] = resources
    template.key_positions["Resources"] = resources.position
    stack = build_stack(template, file, origin)
    stack.origin = child_origin(config, "resources", origin)
    plugin_options = _mapping(_mapping(config.get("custom")).get(PER_FUNCTION_PLUGIN))
    settings = Settings(
        framework_major(config.get("frameworkVersion")),
        plugin_names(config),
        plugin_options.get("defaultInherit") is True,
        plugin_options.get("iamGlobalPermissionsBoundary"),
    )
    builder = _ServiceBuilder(config, file, origin, stack, settings)
    functions = builder.functions()
    functions.extend(lambda_functions(stack))
    roles = {fn.role.key: fn.role for fn in functions if fn.role is not None}
    service = config.get("service")
    name = render(service.get("name") if isinstance(service, YMap) else service) or file
    return Application(
        name=name,
        kind="serverless",
        file=file,
        origin=origin,
        functions=tuple(functions),
        roles=tuple(roles.values()),
        permissions=tuple(lambda_permissions(stack)),
        documents=documents,
        template=config,
        resources=resources,
        resources_origin=stack.origin,
        framework_version=render(config.get("frameworkVersion")) or None,
        notes=tuple(builder.notes + stack.notes),
    )


def _non_aws_provider(config: YMap, origin: Origin) -> Application | None:
    """An empty app with a not-analysed note for services of other clouds (kubeless, azure)."""
    provider = config.get("provider")
    name = provider.get("name") if isinstance(provider, YMap) else provider
    if name is None or render(name).strip().lower() == "aws":
        return None
    where = child_origin(config, "provider", origin)
    message = f"provider {render(name)!r}: slsguard analyses AWS serverless applications only"
    note = Note("SLS004", Violation(where, message, "", Severity.INFO))
    service = config.get("service")
    app_name = render(service.get("name") if isinstance(service, YMap) else service) or origin.file
    return Application(app_name, "serverless", origin.file, origin, template=config, notes=(note,))


def merged_resources(config: YMap, origin: Origin) -> YMap:
    """`resources:` as one CloudFormation `Resources` map (a map, or a list of includes)."""
    section = config.get("resources")
    parts = section if isinstance(section, YList) else [section]
    where = child_origin(config, "resources", origin)
    merged = _MergedResources(config.file, (where.line, where.column))
    for part in parts:
        if isinstance(part, YMap) and isinstance(part.get("Resources"), YMap):
            block = part["Resources"]
            merged.update(block)
            merged.key_positions.update(block.key_positions)
            merged.key_files.update(dict.fromkeys(block, block.file or config.file))
    return merged


class _MergedResources(YMap):
    """`Resources` merged from several files: each logical id keeps the file it is written in."""

    __slots__ = ("key_files",)

    def __init__(self, file: str, position: Position) -> None:
        super().__init__(file, position)
        self.key_files: dict[str, str] = {}

    def origin_of(self, key: str, parent: Origin) -> Origin:
        """The origin of a resource, in the included file that defines it."""
        found = super().origin_of(key, parent)
        file = self.key_files.get(key)
        return replace(found, file=file) if file else found


def _mapping(value: Any) -> YMap:
    return value if isinstance(value, YMap) else YMap()


class _ServiceBuilder:
    """Builds the functions of one service and the roles they run with."""

    def __init__(
        self, config: YMap, file: str, origin: Origin, stack: Stack, settings: Settings
    ) -> None:
        self.config = config
        self.file = file
        self.origin = origin
        self.stack = stack
        self.settings = settings
        self.notes: list[Note] = []
        self.provider = _mapping(config.get("provider"))
        self.provider_origin = child_origin(config, "provider", origin)
        self.iam = _mapping(self.provider.get("iam"))
        self.iam_origin = child_origin(self.provider, "iam", self.provider_origin)
        role_setting = self.iam.get("role")
        self.role_settings = _mapping(role_setting)
        self.role_origin = child_origin(self.iam, "role", self.iam_origin)
        self.existing_role = self._existing_provider_role(role_setting)
        self.provider_statements = self._provider_statements()
        self._default_role: RoleBuilder | None = None
        self._generated: set[int] = set()
        """`id()`s of the roles the Framework (or the plugin) generates, not the user."""

    # -- provider ---------------------------------------------------------------------------

    def _existing_provider_role(self, role_setting: Any) -> RoleBuilder | None:
        if role_setting is not None and not isinstance(role_setting, YMap):
            return resolve_role(self.stack, role_setting, self.role_origin)
        if "role" in self.provider:  # Framework v1/v2 syntax.
            where = child_origin(self.provider, "role", self.provider_origin)
            return resolve_role(self.stack, self.provider["role"], where)
        return None

    def _provider_statements(self) -> list[Statement]:
        statements = self._statements(
            self.provider, "iamRoleStatements", self.provider_origin, "provider.iamRoleStatements"
        )
        statements += self._statements(
            self.role_settings, "statements", self.role_origin, "provider.iam.role.statements"
        )
        return statements

    def _provider_managed(self, role: RoleBuilder) -> None:
        for owner, key, where in (
            (self.provider, "iamManagedPolicies", self.provider_origin),
            (self.role_settings, "managedPolicies", self.role_origin),
        ):
            self._add_managed(role, owner, key, where)

    def _provider_boundary(self) -> Any:
        if "permissionsBoundary" in self.role_settings:
            return self.role_settings["permissionsBoundary"], child_origin(
                self.role_settings, "permissionsBoundary", self.role_origin
            )
        if "rolePermissionsBoundary" in self.provider:
            return self.provider["rolePermissionsBoundary"], child_origin(
                self.provider, "rolePermissionsBoundary", self.provider_origin
            )
        return None

    def default_role(self) -> RoleBuilder:
        """The role the Framework creates for functions without one (`IamRoleLambdaExecution`)."""
        if self._default_role is None:
            where = self.role_origin if "role" in self.iam else self.provider_origin
            role = RoleBuilder("IamRoleLambdaExecution", "IamRoleLambdaExecution", where)
            self._generated.add(id(role))
            role.statements.extend(self.provider_statements)
            self._provider_managed(role)
            if PER_FUNCTION_PLUGIN in self.settings.plugins and self.settings.global_boundary:
                # The plugin puts its global boundary on the shared role too.
                role.boundary = policy_ref(self.stack, self.settings.global_boundary, where)
            else:
                role.boundary = self._provider_boundary_ref()
            self._default_role = role
        return self._default_role

    def _provider_boundary_ref(self) -> PolicyRef | None:
        boundary = self._provider_boundary()
        return None if boundary is None else policy_ref(self.stack, boundary[0], boundary[1])

    # -- functions --------------------------------------------------------------------------

    def functions(self) -> list[Function]:
        functions_section = self.config.get("functions")
        functions_origin = child_origin(self.config, "functions", self.origin)
        result: list[Function] = []
        if isinstance(functions_section, YList):  # `functions: [${file(a.yml)}, ...]`
            merged = YMap(functions_section.file, functions_section.position)
            for part in functions_section:
                if isinstance(part, YMap):
                    merged.update(part)
                    merged.key_positions.update(part.key_positions)
            functions_section = merged
        if not isinstance(functions_section, YMap):
            return result
        pending: list[tuple[str, YMap, Origin, list[Trigger], RoleBuilder]] = []
        granted: dict[int, set[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for name, settings in functions_section.items():
            where = functions_section.origin_of(name, functions_origin)
            if isinstance(settings, YMap):
                triggers = _triggers(settings, where)
                role = self._role_for(name, settings, where)
                if id(role) in self._generated:  # Custom roles get nothing added.
                    # A grant the shared role already has is not added again (the logs
                    # statement of every function): one role, not one statement per function.
                    known = granted.setdefault(id(role), set())
                    for statement in _framework_statements(name, triggers, where):
                        if (statement.actions, statement.resources) not in known:
                            known.add((statement.actions, statement.resources))
                            role.statements.append(statement)
                pending.append((name, settings, where, triggers, role))
        # Freeze only now: a role shared by several functions is one role with all its grants.
        frozen = {id(role): role.freeze() for *_, role in pending}
        for name, settings, where, triggers, role in pending:
            result.append(self._function(name, settings, where, triggers, frozen[id(role)]))
        return result

    def _function(
        self, name: str, settings: YMap, where: Origin, triggers: list[Trigger], role: Role
    ) -> Function:
        provider_env = environment(
            self.provider.get("environment"),
            child_origin(self.provider, "environment", self.provider_origin),
            "provider",
        )
        function_env = environment(
            settings.get("environment"), child_origin(settings, "environment", where)
        )
        overridden = {variable.name for variable in function_env}
        kept = [variable for variable in provider_env if variable.name not in overridden]
        runtime = settings.get("runtime", self.provider.get("runtime"))
        runtime_origin = (
            child_origin(settings, "runtime", where)
            if "runtime" in settings
            else child_origin(self.provider, "runtime", self.provider_origin)
        )
        kms = settings.get("kmsKeyArn", self.provider.get("kmsKeyArn"))
        return Function(
            name=name,
            origin=where,
            handler=None if settings.get("handler") is None else render(settings["handler"]),
            runtime=None if runtime is None else render(runtime),
            environment=(*kept, *function_env),
            triggers=tuple(triggers),
            role=role,
            kms_key=kms,
            logical_id=function_logical_id(name),
            settings=settings,
            runtime_origin=runtime_origin,
        )

    def _role_for(self, name: str, settings: YMap, where: Origin) -> RoleBuilder:
        if "role" in settings:
            return resolve_role(self.stack, settings["role"], child_origin(settings, "role", where))
        if self.existing_role is not None:
            return self.existing_role  # No per-function roles next to an existing role.
        native = _mapping(_mapping(settings.get("iam")).get("role"))
        v4 = (self.settings.major_version or 4) >= 4
        per_function_mode = v4 and self.role_settings.get("mode") == "perFunction"
        if per_function_mode or (v4 and ({"statements", "managedPolicies"} & native.keys())):
            return self._native_role(name, settings, where, per_function_mode)
        if "iamRoleStatements" in settings:
            if self.settings.per_function_statements:
                return self._plugin_role(name, settings, where)
            self.notes.append(self._ignored_statements_note(name, settings, where))
        return self.default_role()

    def _new_function_role(self, name: str, where: Origin) -> RoleBuilder:
        logical_id = f"{name[:1].upper()}{name[1:]}IamRoleLambdaExecution"
        role = RoleBuilder(logical_id, logical_id, where)
        self._generated.add(id(role))
        return role

    def _native_role(
        self, name: str, settings: YMap, where: Origin, per_function_mode: bool
    ) -> RoleBuilder:
        """A v4 per-function role; v4 also reads the plugin's legacy function-level keys."""
        iam = _mapping(settings.get("iam"))
        iam_origin = child_origin(settings, "iam", where)
        native = _mapping(iam.get("role"))
        native_origin = child_origin(iam, "role", iam_origin) if "role" in iam else where
        role = self._new_function_role(name, native_origin)
        role.statements.extend(
            self._statements(native, "statements", native_origin, f"functions.{name}.iam.role")
        )
        role.statements.extend(
            self._statements(settings, "iamRoleStatements", where, f"functions.{name}")
        )
        self._add_managed(role, native, "managedPolicies", native_origin)
        # perFunction mode inherits the provider statements unless told not to; a selected
        # function only when asked. Managed policies and boundary: only in perFunction mode.
        inherit = iam.get("inheritStatements", settings.get("iamRoleStatementsInherit"))
        if inherit is True or (inherit is None and per_function_mode):
            role.statements.extend(self.provider_statements)
        if per_function_mode:
            self._provider_managed(role)
            role.boundary = self._provider_boundary_ref()
        for owner, key, owner_origin in (
            (native, "permissionsBoundary", native_origin),
            (settings, "iamPermissionsBoundary", where),
        ):
            if key in owner:
                boundary_origin = child_origin(owner, key, owner_origin)
                role.boundary = policy_ref(self.stack, owner[key], boundary_origin)
                break
        return role

    def _plugin_role(self, name: str, settings: YMap, where: Origin) -> RoleBuilder:
        statements_origin = child_origin(settings, "iamRoleStatements", where)
        role = self._new_function_role(name, statements_origin)
        role.statements.extend(
            self._statements(settings, "iamRoleStatements", where, f"functions.{name}")
        )
        inherit = settings.get("iamRoleStatementsInherit", self.settings.default_inherit)
        if inherit is True:  # The plugin copies the provider statements, not managed policies.
            role.statements.extend(self.provider_statements)
        boundary = settings.get("iamPermissionsBoundary", self.settings.global_boundary)
        if boundary is not None:
            boundary_origin = child_origin(settings, "iamPermissionsBoundary", where)
            role.boundary = policy_ref(self.stack, boundary, boundary_origin)
        else:  # The plugin clones the provider role, boundary included.
            role.boundary = self._provider_boundary_ref()
        return role

    def _ignored_statements_note(self, name: str, settings: YMap, where: Origin) -> Note:
        violation = Violation(
            child_origin(settings, "iamRoleStatements", where),
            f"functions.{name}.iamRoleStatements has no effect: the Framework "
            f"(v{self.settings.major_version}) only applies it with the "
            f"{PER_FUNCTION_PLUGIN} plugin, which is not in `plugins:`; the function runs "
            "with the provider role",
            f"add `{PER_FUNCTION_PLUGIN}` to `plugins:`, or move the statements to "
            "`provider.iam.role.statements`",
            Severity.INFO,
            function=name,
        )
        return Note("SLS002", violation)

    # -- helpers ----------------------------------------------------------------------------

    def _statements(self, owner: YMap, key: str, where: Origin, policy: str) -> list[Statement]:
        if key not in owner:
            return []
        return parse_statements(owner[key], child_origin(owner, key, where), policy)

    def _add_managed(self, role: RoleBuilder, owner: YMap, key: str, where: Origin) -> None:
        policies = owner.get(key)
        if not isinstance(policies, YList):
            return
        list_origin = child_origin(owner, key, where)
        for index, policy in enumerate(policies):
            role.managed.append(
                policy_ref(self.stack, policy, child_origin(policies, index, list_origin))
            )


def function_logical_id(name: str) -> str:
    """The Framework's CloudFormation logical id for a function: `create-order` →
    `CreateDashorderLambdaFunction` (dashes and underscores are spelled out)."""
    normalized = name.replace("-", "Dash").replace("_", "Underscore")
    return normalized[:1].upper() + normalized[1:] + "LambdaFunction"


def _triggers(settings: YMap, where: Origin) -> list[Trigger]:
    events = settings.get("events")
    events_origin = child_origin(settings, "events", where)
    triggers = []
    if isinstance(events, YList):
        for index, event in enumerate(events):
            if isinstance(event, YMap) and len(event) >= 1:
                kind = next(iter(event))
                event_origin = child_origin(events, index, events_origin)
                triggers.append(Trigger(kind, event_origin, event[kind]))
    if settings.get("url") not in (None, False):
        triggers.append(Trigger("url", child_origin(settings, "url", where), settings["url"]))
    return triggers


def _framework_statements(name: str, triggers: list[Trigger], where: Origin) -> list[Statement]:
    """What the Framework grants by itself: logs, and reads for stream and queue triggers."""
    log_group = (
        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/*"
    )
    grants: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
        (("logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents"), (log_group + ":*",))
    ]
    for trigger in triggers:
        source = trigger.settings
        arn = render(source.get("arn") if isinstance(source, YMap) else source)
        if trigger.kind == "sqs":
            grants.append(
                (("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"), (arn,))
            )
        elif trigger.kind == "stream":
            service = "kinesis" if ":kinesis:" in arn else "dynamodb"
            actions = ("GetRecords", "GetShardIterator", "DescribeStream", "ListStreams")
            grants.append((tuple(f"{service}:{action}" for action in actions), (arn,)))
        elif trigger.kind == "websocket":  # to answer its clients with post_to_connection
            connections = "arn:${AWS::Partition}:execute-api:*:*:*/@connections/*"
            grants.append((("execute-api:ManageConnections",), (connections,)))
    return [
        Statement(
            "Allow", actions, (), resources, (), (), where, f"framework ({name})", "framework"
        )
        for actions, resources in grants
    ]


def unresolved_notes(
    references: list[Reference], keys: dict[str, tuple[Any, ...]], root: YMap, file: str
) -> list[Note]:
    """SLS002 notes for the variables that could not be resolved (one per expression);
    SLS001 for those cut short by a limit of slsguard's own (one per limit)."""
    seen: set[str] = set()
    notes = []
    for reference in references:
        limit = is_limit(reference.reason)
        if reference.text in seen or (limit and reference.reason in seen):
            continue
        seen.update((reference.text, reference.reason) if limit else (reference.text,))
        where = locate(root, keys.get(reference.text, ("self",))[1:], Origin(file))
        if limit:
            message = (
                f"analysis cut short: {reference.text} was not resolved, {reference.reason} "
                "(a limit of slsguard's own); the values built from it are unknown to the rules"
            )
            fix = "simplify the variables: rules cannot check what depends on this value"
            notes.append(Note("SLS001", Violation(where, message, fix, subject=reference.text)))
            continue
        violation = Violation(
            where,
            f"{reference.text} could not be resolved: {reference.reason}",
            "rules that need this value treat it as unknown",
            Severity.INFO,
            subject=reference.text,
        )
        notes.append(Note("SLS002", violation))
    return notes


def locate(root: YMap, path: tuple[Any, ...], origin: Origin) -> Origin:
    """The origin of the value at `path` in a loaded tree, as deep as the path exists."""
    value: Any = root
    for part in path:
        in_map = isinstance(value, YMap) and part in value
        in_list = isinstance(value, YList) and isinstance(part, int) and part < len(value)
        if in_map or in_list:
            origin, value = value.origin_of(part, origin), value[part]
        else:
            break
    return origin

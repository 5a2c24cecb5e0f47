"""`pulumi up`, `refresh` and `destroy` of the stack's own program, without the CLI: an engine-like harness.

The program runs under Pulumi's mocks, as in the tests, and the SDK registers resources concurrently from
its thread pool, as under the language host. AWS resources get the tests' AWS-like answers. Each Prefect
object (a dynamic resource) goes, as the engine sends it, to Pulumi's real provider host
(`python -m pulumi.dynamic`) over gRPC: Check against the old inputs, then Create, or Diff against the
old outputs and Update (or Create and Delete, for a replacement) when the diff says so. At most
`parallel` provider operations run at once, which is what `pulumi up --parallel` bounds. State (id,
inputs and outputs per resource) is kept between runs, as a stack's checkpoint keeps it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc, resource_pb2

from prefect_ecs_platform.render.evaluate import evaluate
from prefect_ecs_platform.render.project_files import StackFiles
from prefect_ecs_platform.resources.block_document import BlockDocumentProvider
from prefect_ecs_platform.resources.deployment import DeploymentProvider
from prefect_ecs_platform.resources.work_pool import WorkPoolProvider
from tests.support.ignore_changes import process_ignore_changes, recording_ignore_changes, requested_ignore_changes
from tests.support.moto.component_in_moto import unsecret
from tests.support.private_loop import run_in_private_loop
from tests.support.provider_host import from_struct, to_struct
from tests.support.pulumi_mocks import DependencyRecordingMonitor, RecordingMocks, mocked_pulumi

DYNAMIC = "pulumi-python:dynamic"
#: Delete order on destroy: what depends on an object goes first (deployments sit on the pool).
#: Dependents first: the deployments use the pool, its queues and the limits and variables their runs read.
_DELETE_ORDER = ("Deployment", "WorkQueue", "WorkPool", "BlockDocument", "ConcurrencyLimit", "Variable", "ServerReady")


def _kinds_in_order(stored: list[Stored]) -> list[list[Stored]]:
    """`stored` grouped by kind in `_DELETE_ORDER`; a kind it does not list would never be deleted."""
    unlisted = {s.type for s in stored} - {f"{DYNAMIC}/prefect:{kind}" for kind in _DELETE_ORDER}
    if unlisted:
        raise RuntimeError(f"no delete order for {sorted(unlisted)}: add them to _DELETE_ORDER")
    return [[s for s in stored if s.type.endswith(f":{kind}")] for kind in _DELETE_ORDER]


@dataclass
class Stored:
    urn: str
    type: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]

    def checkpoint_bytes(self) -> int:
        """Bytes of this resource's entry in a checkpoint (urn, type, id, inputs, outputs as JSON)."""
        entry = {"urn": self.urn, "custom": True, "id": self.id, "type": self.type}
        return len(json.dumps({**entry, "inputs": self.inputs, "outputs": self.outputs}, separators=(",", ":")))


class Engine:
    def __init__(self, host: provider_pb2_grpc.ResourceProviderStub, parallel: int, stack: str = "bench") -> None:
        self.host = host
        self.parallel = parallel
        self.stack = stack
        self.state: dict[str, Stored] = {}
        self._slots = threading.BoundedSemaphore(parallel)
        self._guard = threading.Lock()
        #: Replaced objects still on the server: the engine deletes them once the program is done, and
        #: keeps (and retries on the next update) the ones whose delete failed, as a checkpoint's
        #: `pending_replacement`/`delete` entries do.
        self.pending_deletes: list[Stored] = []
        self._accepting = False
        #: Per URN, the ignore_changes paths the last update could not reset (the engine prints them).
        self.unresettable: dict[str, list[str]] = {}

    def up(self, files: StackFiles) -> None:
        """Run the program; every dynamic resource is created, updated or left as the diff says."""
        self.run(lambda: evaluate(files, _EngineMocks(self)))

    def run(self, program: Callable[[], object]) -> None:
        """One update: the program's registrations, then the deletes of what they replaced.

        A failed registration fails the update only once every operation in flight has ended, as the
        engine waits for outstanding steps before it reports; the replaced objects are deleted only after
        a successful program, as in Pulumi's step executor.
        """
        self._accepting = True
        try:
            with recording_ignore_changes():
                program()
        finally:
            # Registrations the failed program left queued in the SDK's threads must not run into the
            # next update.
            self._accepting = False
            self.settle()
        self._delete_pending()

    def settle(self) -> None:
        """Wait until no provider operation is in flight."""
        for _ in range(self.parallel):
            self._slots.acquire()
        for _ in range(self.parallel):
            self._slots.release()

    def _delete_pending(self) -> None:
        def delete(stored: Stored) -> None:
            self._delete(stored)
            with self._guard:
                self.pending_deletes.remove(stored)

        for group in _kinds_in_order(list(self.pending_deletes)):
            self._each(delete, group)

    def _delete(self, stored: Stored) -> None:
        self.host.Delete(provider_pb2.DeleteRequest(id=stored.id, urn=stored.urn, properties=to_struct(stored.outputs)))

    def register(
        self, typ: str, name: str, inputs: dict[str, Any], ignore_changes: list[str] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """One resource of an update. `ignore_changes` paths get their old inputs back before Check, as in
        pkg/resource/deploy/step_generator.go (`continueStepsFromImport`; see tests/support/ignore_changes.py)."""
        urn = f"urn:pulumi:{self.stack}::prefect-ecs-platform::{typ}::{name}"
        with self._slots:
            if not self._accepting:
                raise RuntimeError(f"{urn}: registered after its update ended")
            old = self.state.get(urn)
            olds = to_struct(old.inputs) if old else to_struct({})
            if old is not None and ignore_changes:
                inputs, self.unresettable[urn] = process_ignore_changes(inputs, old.inputs, ignore_changes)
            news = to_struct(inputs)
            checked = self.host.Check(provider_pb2.CheckRequest(urn=urn, olds=olds, news=news))
            if checked.failures:
                raise RuntimeError(f"{urn}: check failed: {list(checked.failures)}")
            if old is None:
                reply = self.host.Create(provider_pb2.CreateRequest(urn=urn, properties=checked.inputs))
                resource_id, outputs = reply.id, reply.properties
            else:
                diff = self.host.Diff(
                    provider_pb2.DiffRequest(id=old.id, urn=urn, olds=to_struct(old.outputs), news=checked.inputs)
                )
                resource_id = old.id
                if diff.changes != provider_pb2.DiffResponse.DIFF_SOME:
                    outputs = to_struct(old.outputs)
                elif diff.replaces and diff.deleteBeforeReplace:
                    self._delete(old)
                    with self._guard:
                        del self.state[urn]
                    reply = self.host.Create(provider_pb2.CreateRequest(urn=urn, properties=checked.inputs))
                    resource_id, outputs = reply.id, reply.properties
                elif diff.replaces:
                    reply = self.host.Create(provider_pb2.CreateRequest(urn=urn, properties=checked.inputs))
                    with self._guard:
                        self.pending_deletes.append(old)
                    resource_id, outputs = reply.id, reply.properties
                else:
                    reply = self.host.Update(
                        provider_pb2.UpdateRequest(id=old.id, urn=urn, olds=to_struct(old.outputs), news=checked.inputs)
                    )
                    outputs = reply.properties
        stored = Stored(urn, typ, resource_id, from_struct(checked.inputs), from_struct(outputs))
        with self._guard:
            self.state[urn] = stored
        return resource_id, stored.outputs

    def _each(self, action: Callable[[Stored], None], stored: list[Stored]) -> None:
        with ThreadPoolExecutor(self.parallel) as threads:
            list(threads.map(action, stored))

    def refresh(self) -> None:
        """`pulumi refresh`: read every Prefect object back, in parallel."""

        def read(stored: Stored) -> None:
            reply = self.host.Read(
                provider_pb2.ReadRequest(
                    id=stored.id, urn=stored.urn, properties=to_struct(stored.outputs), inputs=to_struct(stored.inputs)
                )
            )
            # pkg/resource/deploy/step.go, `RefreshStep.Apply`: no id means deleted, and the resource leaves
            # the state; inputs a provider returns replace the old ones (the Go plugin client keeps
            # `ReadResponse.inputs` only when the field is set), else the old inputs stay.
            if not reply.id:
                with self._guard:
                    del self.state[stored.urn]
                return
            stored.id = reply.id
            stored.outputs = from_struct(reply.properties)
            if reply.HasField("inputs"):
                stored.inputs = from_struct(reply.inputs)

        self._each(read, self.prefect_objects())

    def destroy(self) -> None:
        """`pulumi destroy` of the Prefect objects: dependents first, each group in parallel."""
        for group in _kinds_in_order(self.prefect_objects()):
            self._each(self._delete, group)
            for stored in group:
                del self.state[stored.urn]

    def prefect_objects(self) -> list[Stored]:
        return [s for s in self.state.values() if s.type.startswith(DYNAMIC)]


class _EngineMocks(RecordingMocks):
    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if not args.typ.startswith(DYNAMIC):
            return super().new_resource(args)
        # The engine hands a provider plain values (the host unwraps secrets itself before a provider sees them).
        return self.engine.register(
            args.typ, args.name, unsecret(dict(args.inputs)), ignore_changes=requested_ignore_changes()
        )


# The whole program's resources, as a stack's checkpoint holds them between runs: aliases, replacements and
# deletes with their hooks. Ported from pulumi/pulumi (read at commit 1b5949891b3c, August 2026):
# - pkg/resource/deploy/step_generator.go `getOldResource`, `generateAliases`, `collapseAliasToUrn`,
#   `inheritedChildAlias`: a registration takes the old resource of its own URN, else of its first alias found
#   in the state; a child of an aliased parent also gets the parent's old name in place of the parent's name at
#   the front of its own (`{name}-details` children follow a renamed component); an old resource claimed twice
#   is an error.
# - pkg/resource/deploy/step.go `DeleteStep.Apply` and deployment.go `RunHooks`: a deleted resource's
#   before-delete hooks are the names stored in its OLD state, each looked up among the hooks the current
#   program registered ("hook %q was not registered"), in preview too (only running them is skipped); a retained
#   resource still runs them.
# - pkg/resource/deploy/resource_hooks.go: a hook name registered twice in one program is an error (the monitor
#   in tests/support/pulumi_mocks.py refuses it).
# Deletes go dependents first (dependencies and parents last), as the engine's delete steps are ordered.


class HookNotRegistered(RuntimeError):
    """The engine's failure when a deleted resource's stored hook name is not registered by the program."""


class DuplicateAlias(RuntimeError):
    """Two registrations claim the same old resource."""


@dataclass
class StateEntry:
    """One resource of the checkpoint."""

    urn: str
    type: str
    name: str
    id: str
    custom: bool
    parent: str
    dependencies: frozenset[str]
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    hooks: dict[str, tuple[str, ...]]
    retain_on_delete: bool


@dataclass
class Steps:
    """What one run did, by URN (old URNs for deletes, in the order they were deleted)."""

    creates: list[str]
    updates: list[str]
    replaces: list[str]
    sames: list[str]
    deletes: list[str]
    #: New URN -> the old URN it took over through an alias.
    aliased: dict[str, str]


#: Inputs whose change replaces the resource (`forceNew` in pulumi-aws's schema), for the types tests change.
REPLACE_ON_CHANGE: dict[str, tuple[str, ...]] = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("role", "policyArn"),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": ("clusterName",),
    "aws:ec2/securityGroup:SecurityGroup": ("description", "name", "namePrefix", "vpcId"),
    # Every argument but the tags and `skipDestroy`/`trackLatest`: a change registers a new revision.
    "aws:ecs/taskDefinition:TaskDefinition": (
        *("containerDefinitions", "cpu", "memory", "family", "executionRoleArn", "taskRoleArn", "networkMode"),
        *("requiresCompatibilities", "runtimePlatform", "volumes", "ephemeralStorage", "placementConstraints"),
        *("proxyConfiguration", "ipcMode", "pidMode", "inferenceAccelerators"),
    ),
    # The Prefect objects: what their dynamic provider's `diff` replaces on (`replace_fields`), a move to
    # another API among them.
    **{
        f"{DYNAMIC}/prefect:{kind}": provider.replace_fields
        for kind, provider in (
            ("WorkPool", WorkPoolProvider),
            ("Deployment", DeploymentProvider),
            ("BlockDocument", BlockDocumentProvider),
        )
    },
}


def _urn_name(urn: str) -> str:
    return urn.split("::", 3)[3]


def _urn_type(urn: str) -> str:
    return urn.split("::")[2]


class StackEngine:
    """Runs the program under mocks as `pulumi preview`, `up` or `destroy --run-program` do, keeping a checkpoint.

    `mocks` makes each run's mocks (e.g. ones that create resources in moto); a resource whose inputs did not
    change is answered from the checkpoint, as the engine does not call the provider for it. The mocks'
    `update_resource` and `delete_resource`, when they have them, play the provider's Update and Delete.
    `on_delete` is called with each resource as the engine deletes it, after its before-delete hooks ran.
    """

    def __init__(
        self,
        mocks: Callable[[], RecordingMocks] = RecordingMocks,
        *,
        on_delete: Callable[[StateEntry], None] | None = None,
        project: str = "prefect-ecs-platform",
        stack: str = "dev",
    ) -> None:
        self.mocks, self.on_delete, self.project, self.stack = mocks, on_delete, project, stack
        self.state: dict[str, StateEntry] = {}

    def preview(self, program: Callable[[], object], config: dict[str, str] | None = None) -> Steps:
        return self._run(program, config, preview=True, destroy=False)

    def up(self, program: Callable[[], object], config: dict[str, str] | None = None) -> Steps:
        return self._run(program, config, preview=False, destroy=False)

    def destroy(self, program: Callable[[], object], config: dict[str, str] | None = None) -> Steps:
        """`pulumi destroy --run-program`: the program runs for its hooks, and every resource is deleted."""
        return self._run(program, config, preview=False, destroy=True)

    def _run(
        self, program: Callable[[], object], config: dict[str, str] | None, *, preview: bool, destroy: bool
    ) -> Steps:
        monitor_type = type(
            "BoundCheckpointMonitor", (_CheckpointMonitor,), {"engine": self, "preview": preview, "destroying": destroy}
        )
        with mocked_pulumi(self.mocks(), monitor_type) as harness:
            pulumi.runtime.set_all_config(config or {}, secret_keys=[])
            harness.run(lambda: (program(), None)[1])
            monitor = harness.monitor
            assert isinstance(monitor, _CheckpointMonitor)
            steps = Steps([], [], [], [], [], dict(monitor.aliased))
            replaced: list[StateEntry] = []
            new_state: dict[str, StateEntry] = {}
            for registration in [] if destroy else monitor.registrations:
                step, old_urn = monitor.steps[registration.urn]
                getattr(steps, f"{step}s").append(registration.urn)
                if step == "replace":
                    replaced.append(self.state[old_urn])
                new_state[registration.urn] = _entry(registration)
            claimed = set() if destroy else set(monitor.claimed)
            steps.deletes = [urn for urn in self.state if urn not in claimed]
            doomed = [self.state[urn] for urn in steps.deletes] + replaced
            for entry in doomed:
                for name in (*entry.hooks.get("before_delete", ()), *entry.hooks.get("after_delete", ())):
                    if name not in monitor.hooks:
                        raise HookNotRegistered(f"{entry.urn}: hook {name!r} was not registered")
            if preview:
                return steps
            deleted: list[StateEntry] = []
            try:
                self._delete(doomed, monitor.hooks, harness.mocks, deleted)
            except Exception:
                # The step executor checkpoints each step as it completes: after a failed delete, the state
                # holds what this run registered and every old resource not yet deleted (`pulumi destroy`
                # run again then deletes only those).
                gone = {id(entry) for entry in deleted}
                kept = {urn: entry for urn, entry in self.state.items() if id(entry) not in gone}
                self.state = kept if destroy else {**kept, **new_state}
                raise
            steps.deletes = [entry.urn for entry in deleted]
        self.state = new_state
        return steps

    def make_urn(self, parent: str, typ: str, name: str, project: str = "", stack: str = "") -> str:
        # The mocks' URN scheme (MockMonitor.make_urn): the parent's own type qualifies the child's.
        qualified = f"{_urn_type(parent).split('$')[-1]}${typ}" if parent else typ
        return f"urn:pulumi:{stack or self.stack}::{project or self.project}::{qualified}::{name}"

    def _collapse(self, typ: str, name: str, parent: str, spec: dict[str, Any], aliased: dict[str, str]) -> str:
        if "urn" in spec:
            return str(spec["urn"])
        alias = spec.get("spec", {})
        alias_parent = alias.get("parentUrn") or parent
        if alias.get("parentUrn") and alias_parent in aliased:
            alias_parent = aliased[alias_parent]
        if alias.get("noParent"):
            alias_parent = ""
        return self.make_urn(
            alias_parent,
            alias.get("type") or typ,
            alias.get("name") or name,
            alias.get("project", ""),
            alias.get("stack", ""),
        )

    def _inherited(self, child_type: str, child_name: str, parent_urn: str, parent_alias: str) -> str:
        parent_name = _urn_name(parent_urn)
        name = child_name
        if child_name.startswith(parent_name):
            name = _urn_name(parent_alias) + child_name[len(parent_name) :]
        return self.make_urn(parent_alias, child_type, name)

    def aliases(
        self, typ: str, name: str, parent: str, specs: list[dict[str, Any]], aliased: dict[str, str]
    ) -> list[str]:
        """`generateAliases`: the resource's own aliases, then those its parent's alias implies."""
        found = [self._collapse(typ, name, parent, spec, aliased) for spec in specs]
        if parent in aliased:
            parent_alias = aliased[parent]
            found.append(self._inherited(typ, name, parent, parent_alias))
            for spec in specs:
                child_alias = self._collapse(typ, name, parent, spec, aliased)
                base_type = _urn_type(child_alias).split("$")[-1]
                found.append(self._inherited(base_type, _urn_name(child_alias), parent, parent_alias))
        return list(dict.fromkeys(found))

    def _delete(
        self,
        doomed: list[StateEntry],
        hooks: dict[str, Callable[[bytes], Any]],
        mocks: RecordingMocks,
        done: list[StateEntry],
    ) -> None:
        """Delete `doomed` dependents first, appending each to `done` once deleted; the mocks' `delete_resource`,
        when they have one, plays the provider."""
        provider_delete = getattr(mocks, "delete_resource", None)
        remaining = list(doomed)
        while remaining:
            held = {urn for other in remaining for urn in (*other.dependencies, other.parent)}
            ready = [entry for entry in remaining if entry.urn not in held]
            if not ready:
                raise RuntimeError(f"a dependency cycle among {[entry.urn for entry in remaining]}")
            # One at a time, newest first: the engine may delete independent ones in parallel.
            entry = ready[-1]
            for name in entry.hooks.get("before_delete", ()):
                _run_hook(hooks[name], f"before hook {name!r}", entry)
            if self.on_delete is not None:
                self.on_delete(entry)
            if provider_delete is not None and entry.custom and not entry.retain_on_delete:
                provider_delete(entry)
            for name in entry.hooks.get("after_delete", ()):
                _run_hook(hooks[name], f"after hook {name!r}", entry)
            remaining.remove(entry)
            done.append(entry)


def _entry(registration: Any) -> StateEntry:
    return StateEntry(
        urn=registration.urn,
        type=registration.typ,
        name=registration.name,
        id=registration.id,
        custom=registration.custom,
        parent=registration.parent,
        dependencies=registration.dependencies,
        inputs=registration.inputs,
        outputs=registration.outputs,
        hooks=registration.hooks,
        retain_on_delete=registration.retain_on_delete,
    )


class _CheckpointMonitor(DependencyRecordingMonitor):
    """The mocks' monitor, matching each registration to the checkpoint as the step generator does."""

    engine: StackEngine
    preview: bool
    #: `pulumi destroy --run-program`: the program runs, but no cloud resource is created or updated.
    destroying: bool

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        #: What a destroy skipped creating (step_generator.go's `skippedCreates`).
        self.skipped: set[str] = set()
        self.aliased: dict[str, str] = {}
        self.claimed: dict[str, str] = {}
        #: New URN -> (step, old URN).
        self.steps: dict[str, tuple[str, str]] = {}
        self._claims = threading.Lock()

    def answer(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        specs = [json_format.MessageToDict(alias) for alias in request.aliases]
        state = self.engine.state
        with self._claims:
            candidates = [urn, *self.engine.aliases(request.type, request.name, request.parent, specs, self.aliased)]
            old_urn = next((candidate for candidate in candidates if candidate in state), None)
            if old_urn is not None:
                if old_urn in self.claimed:
                    raise DuplicateAlias(f"{urn} and {self.claimed[old_urn]} both take over {old_urn}")
                self.claimed[old_urn] = urn
                if old_urn != urn:
                    self.aliased[urn] = old_urn
        news = json_format.MessageToDict(request.object)
        if self.destroying and request.custom and not request.type.startswith("pulumi:providers:"):
            return self._in_destroy(request, urn, old_urn)
        if old_urn is None:
            self.steps[urn] = ("create", "")
            return self._around("create", request, urn, news=news, old=None, apply=lambda: self._mocks_answer(request))
        old = state[old_urn]
        inputs = dict(rpc.deserialize_properties(request.object))
        if inputs == old.inputs:
            self.steps[urn] = ("same", old_urn)
            return self._from_checkpoint(request, urn, old)
        replaces = any(old.inputs.get(key) != inputs.get(key) for key in REPLACE_ON_CHANGE.get(old.type, ()))
        if old.custom and replaces:
            self.steps[urn] = ("replace", old_urn)
            return self._around("create", request, urn, news=news, old=None, apply=lambda: self._mocks_answer(request))
        self.steps[urn] = ("update", old_urn)
        if not old.custom:
            # A component's outputs are its children's, not its inputs: the mocks answer it again.
            return self._mocks_answer(request)
        # An in-place update keeps the id; the provider answers with the old outputs and the new inputs.
        return self._around("update", request, urn, news=news, old=old, apply=lambda: self._updated(request, urn, old))

    def _in_destroy(self, request: Any, urn: str, old_urn: str | None) -> Any:
        """step_generator.go in destroyMode: a custom resource not in the state, or depending on (or a child of)
        one skipped, is a skipped create, which calls no provider; one in the state is a `same` with its old
        inputs and outputs, whatever the program now gives it (it is only to be deleted)."""
        depends_on = {
            request.parent,
            *request.dependencies,
            *(urn for deps in request.propertyDependencies.values() for urn in deps.urns),
        }
        if old_urn is None or depends_on & self.skipped:
            self.skipped.add(urn)
            self.steps[urn] = ("skip", old_urn or "")
            old = self.engine.state.get(old_urn) if old_urn else None
            reply = resource_pb2.RegisterResourceResponse(
                urn=urn, id="", object=to_struct(old.outputs) if old else request.object
            )
            self.resources[urn] = MockMonitor.ResourceRegistration(
                urn, "", dict(rpc.deserialize_properties(reply.object))
            )
            return reply
        self.steps[urn] = ("same", old_urn)
        return self._from_checkpoint(request, urn, self.engine.state[old_urn])

    def _updated(self, request: Any, urn: str, old: StateEntry) -> Any:
        """The provider's Update: the mocks' `update_resource`, when they have one, acts on the old resource with
        the new inputs and answers the outputs it changed; a preview changes nothing."""
        news = json_format.MessageToDict(request.object)
        update = getattr(self.recording_mocks, "update_resource", None)
        if update is not None and not self.preview:
            news = {**news, **update(old, unsecret(dict(rpc.deserialize_properties(request.object))))}
        return self._from_checkpoint(request, urn, old, news)

    def _hook(self, urn: str, name: str) -> Callable[[bytes], Any]:
        # deployment.go `RunHooks`: a bound name is looked up when its step runs, in preview too.
        if name not in self.hooks:
            raise HookNotRegistered(f"{urn}: hook {name!r} was not registered")
        return self.hooks[name]

    def _mocks_answer(self, request: Any) -> Any:
        return super().answer(request)

    def _around(
        self,
        step: str,
        request: Any,
        urn: str,
        *,
        news: dict[str, Any],
        old: StateEntry | None,
        apply: Callable[[], Any],
    ) -> Any:
        """The step with its hooks (step.go: `before_<step>` hooks, the provider's operation, `after_<step>`).

        A preview looks each name up but runs none (no hook of this program asks to run on a dry run).
        """
        for name in getattr(request.hooks, f"before_{step}"):
            callback = self._hook(urn, name)
            if not self.preview:
                _run_hook(callback, f"before hook {name!r}", _HookCall(urn, request, news, None, old))
        reply = apply()
        outputs = json_format.MessageToDict(reply.object) if reply.object else {}
        for name in getattr(request.hooks, f"after_{step}"):
            callback = self._hook(urn, name)
            if not self.preview:
                _run_hook(callback, f"after hook {name!r}", _HookCall(urn, request, news, outputs, old, reply.id))
        return reply

    def _from_checkpoint(self, request: Any, urn: str, old: StateEntry, changed: dict[str, Any] | None = None) -> Any:
        outputs = {key: value for key, value in {**old.outputs, **(changed or {})}.items() if key != "repository"}
        reply = resource_pb2.RegisterResourceResponse(
            urn=urn, id=old.id, object=json_format.ParseDict(outputs, struct_pb2.Struct())
        )
        self.resources[urn] = MockMonitor.ResourceRegistration(
            urn, old.id, dict(rpc.deserialize_properties(reply.object))
        )
        if request.type == "awsx:ecr:Repository":
            reply = self._with_repository_reference(reply, request.name)
        return reply


class HookFailed(RuntimeError):
    """A hook returned an error: the engine fails the step."""


@dataclass
class _HookCall:
    """A create or update step's hook arguments: new inputs (and outputs, after), old state for an update."""

    urn: str
    request: Any
    news: dict[str, Any]
    outputs: dict[str, Any] | None
    old: StateEntry | None
    id: str = ""

    def hook_request(self) -> Any:
        fields: dict[str, Any] = {"new_inputs": json_format.ParseDict(self.news, struct_pb2.Struct())}
        if self.outputs is not None:
            fields["new_outputs"] = json_format.ParseDict(self.outputs, struct_pb2.Struct())
        if self.old is not None:
            fields["old_inputs"] = to_struct(self.old.inputs)
            fields["old_outputs"] = to_struct(self.old.outputs)
        resource_id = self.id or (self.old.id if self.old else "")
        return resource_pb2.ResourceHookRequest(
            urn=self.urn, id=resource_id, name=self.request.name, type=self.request.type, **fields
        )


def _run_hook(callback: Callable[[bytes], Any], which: str, entry: StateEntry | _HookCall) -> None:
    if isinstance(entry, _HookCall):
        request = entry.hook_request()
    else:
        request = resource_pb2.ResourceHookRequest(
            urn=entry.urn,
            id=entry.id,
            name=entry.name,
            type=entry.type,
            old_inputs=to_struct(entry.inputs),
            old_outputs=to_struct(entry.outputs),
        )
    reply = run_in_private_loop(callback(request.SerializeToString()))
    if reply.error:
        raise HookFailed(f"{entry.urn}: {which} failed: {reply.error}")

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
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from prefect_ecs_platform.render.evaluate import evaluate
from prefect_ecs_platform.render.project_files import StackFiles
from tests.acceptance.provider_host import from_struct, to_struct
from tests.conftest import RecordingMocks
from tests.ignore_changes import process_ignore_changes, recording_ignore_changes, requested_ignore_changes
from tests.moto.component_in_moto import unsecret

DYNAMIC = "pulumi-python:dynamic"
#: Delete order on destroy: what depends on an object goes first (deployments sit on the pool).
_DELETE_ORDER = ("Deployment", "WorkPool", "BlockDocument")


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

        for kind in _DELETE_ORDER:
            self._each(delete, [s for s in self.pending_deletes if s.type.endswith(f":{kind}")])

    def _delete(self, stored: Stored) -> None:
        self.host.Delete(provider_pb2.DeleteRequest(id=stored.id, urn=stored.urn, properties=to_struct(stored.outputs)))

    def register(
        self, typ: str, name: str, inputs: dict[str, Any], ignore_changes: list[str] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """One resource of an update. `ignore_changes` paths get their old inputs back before Check, as in
        pkg/resource/deploy/step_generator.go (`continueStepsFromImport`; see tests/ignore_changes.py)."""
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
        for kind in _DELETE_ORDER:
            group = [s for s in self.prefect_objects() if s.type.endswith(f":{kind}")]
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

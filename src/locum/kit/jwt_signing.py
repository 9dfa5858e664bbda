"""RS256 signing keys: generated per instance, parsed once, rendered as JWKS; signatures made on a spare core."""

import asyncio
import base64
import os
import threading
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cached_property
from queue import SimpleQueue
from typing import Any, TypeVar

import orjson
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

RSA_KEY_BITS = 2048
RSA_PUBLIC_EXPONENT = 65537
SESSION_TOKEN_ALGORITHM = "RS256"

# Clerk's `cat` header: which kind of token this is (the JS SDK refuses some kinds in some places).
SESSION_TOKEN_CATEGORY = "cl_B7d4PD111AAA"
TEMPLATE_TOKEN_CATEGORY = "cl_B7d4PD222AAA"
M2M_TOKEN_CATEGORY = "cl_B7d4PD333AAA"

# RS256: RSASSA-PKCS1-v1_5 over SHA-256 (stateless, so shared by every signature).
RS256_PADDING = padding.PKCS1v15()
RS256_HASH = hashes.SHA256()

T = TypeVar("T")


class SigningThreads:
    """Where this process makes its signatures.

    An RSA-2048 signature takes 0.25-1.2 ms of CPU with the GIL released. Where the machine has
    more cores than the server has workers, a worker signs on threads of its own, on the cores the
    workers leave idle, while its event loop serves the next request (one worker on two cores:
    1,840 -> 2,286 tokens/s). Where every core has a worker, the hand-off would only add to each
    token's cost (two workers on two cores: 3,589 -> 2,623 tokens/s), so signatures are made in place.
    """

    pool: "SigningPool | None" = None

    @classmethod
    def use_spare_cores(cls, workers: int) -> None:
        """Set, at a start, how this process signs for a server of `workers` worker processes."""
        if cls.pool is not None:
            cls.pool.stop()
        spare_cores = (os.cpu_count() or 1) - workers
        cls.pool = SigningPool(spare_cores) if spare_cores > 0 else None


async def run_signing(function: Callable[..., T], *args: object) -> T:
    """`function(*args)` (a signature): on the signing threads if there are any, else in place."""
    pool = SigningThreads.pool
    if pool is None:
        return function(*args)
    return await pool.submit(function, args)


class _LoopInbox:
    """One event loop's finished signatures, handed back in batches.

    A signing thread wakes the loop (a write to its self-pipe, then a GIL hand-over) only when no
    hand-back is scheduled yet, so a busy loop takes every signature finished meanwhile in one
    wake-up. The flag is cleared before the results are taken, so none is left behind.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._finished: deque[tuple[asyncio.Future[Any], Any, BaseException | None]] = deque()
        self._hand_back_scheduled = False

    def put(self, future: "asyncio.Future[Any]", result: Any, error: BaseException | None) -> None:
        """On a signing thread."""
        self._finished.append((future, result, error))
        if not self._hand_back_scheduled:
            self._hand_back_scheduled = True
            with suppress(RuntimeError):  # the loop is closed: nobody waits for the result
                self.loop.call_soon_threadsafe(self._hand_back)

    def _hand_back(self) -> None:
        self._hand_back_scheduled = False
        finished = self._finished
        while finished:
            future, result, error = finished.popleft()
            if future.cancelled():
                continue
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)


def _run_job(
    inbox: _LoopInbox, future: "asyncio.Future[Any]", function: Callable[..., Any], args: tuple[object, ...]
) -> None:
    try:
        result = function(*args)
    except BaseException as error:  # handed to the awaiting request, as an executor would
        inbox.put(future, None, error)
    else:
        inbox.put(future, result, None)


class SigningPool:
    """Threads taking signatures from one queue; each awaited on its event loop.

    Lighter than a ThreadPoolExecutor behind run_in_executor, which makes two futures a signature,
    chains them through callbacks and wakes the loop for each result: ~100 µs less of the event
    loop's CPU a token.
    """

    def __init__(self, threads: int) -> None:
        self._jobs: SimpleQueue[tuple[_LoopInbox, asyncio.Future[Any], Callable[..., Any], tuple[object, ...]] | None]
        self._jobs = SimpleQueue()
        self._inboxes: dict[asyncio.AbstractEventLoop, _LoopInbox] = {}
        self._threads = threads
        for number in range(threads):
            threading.Thread(target=self._sign, name=f"locum-signing_{number}", daemon=True).start()

    def submit(self, function: Callable[..., T], args: tuple[object, ...]) -> "asyncio.Future[T]":
        loop = asyncio.get_running_loop()
        inbox = self._inboxes.get(loop)
        if inbox is None:
            inbox = self._inbox_for(loop)
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put((inbox, future, function, args))
        return future

    def _inbox_for(self, loop: asyncio.AbstractEventLoop) -> _LoopInbox:
        # Closed loops (each test runs its own) are forgotten when another loop first signs.
        for closed in [known for known in self._inboxes if known.is_closed()]:
            del self._inboxes[closed]
        inbox = self._inboxes[loop] = _LoopInbox(loop)
        return inbox

    def _sign(self) -> None:
        while (job := self._jobs.get()) is not None:
            inbox, future, function, args = job
            # Its own frame, so that a waiting thread keeps no finished job's future or result alive.
            _run_job(inbox, future, function, args)
            del job, inbox, future, function, args

    def stop(self) -> None:
        """The threads end once the signatures already queued are made."""
        for _ in range(self._threads):
            self._jobs.put(None)


def _b64url(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def _b64url_uint(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode()


def new_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_BITS)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def pem_one_line(pem: str) -> str:
    """A PEM without line breaks, as CLERK_JWT_KEY goes in a dotenv file (the SDKs put them back)."""
    return pem.strip().replace("\n", "")


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    _headers: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_pem(cls, kid: str, pem: str) -> "SigningKey":
        """The key of `pem`, which new_private_key_pem made (it comes unsealed from the database).

        Its RSA consistency check (~0.1 s, as long as generating one) is skipped: the sealing is
        authenticated, so the key is the one generated, and every instance's first request loads it.
        """
        key = serialization.load_pem_private_key(pem.encode(), password=None, unsafe_skip_rsa_key_validation=True)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("signing keys must be RSA")
        return cls(kid=kid, private_key=key)

    async def sign(self, claims: dict[str, Any], *, category: str) -> str:
        """An RS256 JWS in compact form, signed with the parsed key object on the signing threads.

        Written out rather than through PyJWT: the header is encoded once per (key, category) and
        the claims by orjson, which leaves the RSA operation as nearly all of the cost.
        """
        signing_input = self._encoded_header(category) + b"." + _b64url(orjson.dumps(claims))
        signature = await run_signing(self.private_key.sign, signing_input, RS256_PADDING, RS256_HASH)
        return (signing_input + b"." + _b64url(signature)).decode()

    def _encoded_header(self, category: str) -> bytes:
        header = self._headers.get(category)
        if header is None:
            fields = {"alg": SESSION_TOKEN_ALGORITHM, "cat": category, "kid": self.kid, "typ": "JWT"}
            header = self._headers[category] = _b64url(orjson.dumps(fields))
        return header

    @cached_property
    def public_jwk(self) -> dict[str, str]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "use": "sig",
            "kty": "RSA",
            "kid": self.kid,
            "alg": SESSION_TOKEN_ALGORITHM,
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
        }

    @cached_property
    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

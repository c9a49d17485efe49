"""Writes the service benchmark's datasets: BenchmarkDataset files holding
ListUsersResponse messages of about 1 KB and 64 KB, serialized by Python's
protobuf (so the bytes are canonical). Deterministic: the same seed gives
the same bytes.

Usage: /usr/bin/python3 payloads.py GENERATED_PY_DIR OUT_DIR
(GENERATED_PY_DIR holds service_pb2.py and benchmarks_pb2.py)."""
import random
import sys

sys.path.insert(0, sys.argv[1])
import benchmarks_pb2  # noqa: E402
import service_pb2  # noqa: E402

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
         "quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split()
CITIES = ["Lisbon", "Zürich", "Osaka", "São Paulo", "Nairobi", "Montréal", "Reykjavík", "Kraków"]
ROLES = ["viewer", "editor", "admin", "billing", "support", "auditor"]


def user(rng, i):
    u = service_pb2.User()
    u.id = 10_000_000_000 + rng.randrange(1 << 40)
    first, last = rng.choice(WORDS).title(), rng.choice(WORDS).title()
    u.display_name = "%s %s" % (first, last)
    u.email = "%s.%s%d@example.com" % (first.lower(), last.lower(), i)
    u.status = rng.choice([1, 1, 1, 2, 3])
    u.created.seconds = 1_500_000_000 + rng.randrange(200_000_000)
    u.created.nanos = rng.randrange(1_000_000_000)
    u.last_login.seconds = 1_700_000_000 + rng.randrange(50_000_000)
    u.roles.extend(rng.sample(ROLES, rng.randrange(1, 4)))
    a = u.address
    a.street = "%d %s Street" % (rng.randrange(1, 999), rng.choice(WORDS).title())
    a.city = rng.choice(CITIES)
    a.country_code = rng.choice(["PT", "CH", "JP", "BR", "KE", "CA", "IS", "PL"])
    a.postal_code = "%05d" % rng.randrange(100000)
    a.latitude = rng.uniform(-90, 90)
    a.longitude = rng.uniform(-180, 180)
    u.recent_order_ids.extend(rng.randrange(1 << 33) for _ in range(rng.randrange(0, 12)))
    u.avatar_sha256 = bytes(rng.randrange(256) for _ in range(32))
    u.email_verified = rng.random() < 0.8
    u.balance_delta = rng.randrange(-50000, 50000)
    u.reputation = rng.random() * 5
    u.feature_flags.extend(rng.randrange(1 << 32) for _ in range(rng.randrange(0, 4)))
    return u


def response(rng, target):
    r = service_pb2.ListUsersResponse()
    r.next_page_token = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(24))
    r.shard_latency_us.extend(rng.randrange(50, 40000) for _ in range(8))
    while r.ByteSize() < target:
        r.users.append(user(rng, len(r.users)))
    r.total_size = 1000 + len(r.users)
    return r


def main():
    out = sys.argv[2]
    for name, target, count in (("service_1k", 1000, 8), ("service_64k", 64000, 2)):
        rng = random.Random(name)
        ds = benchmarks_pb2.BenchmarkDataset()
        ds.name = name
        ds.message_name = "bench.service.ListUsersResponse"
        for _ in range(count):
            ds.payload.append(response(rng, target).SerializeToString())
        with open("%s/dataset.%s.pb" % (out, name), "wb") as f:
            f.write(ds.SerializeToString())


main()

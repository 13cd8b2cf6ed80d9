#!/usr/bin/env python3
"""Slow-header clients on loopback: opens CONNECTIONS connections to 127.0.0.1:PORT, each
sending a request's headers one line every INTERVAL seconds and never finishing them; a
connection the server closes is opened again. Runs for SECONDS, then prints how many
connections were open at the end and how many the server closed.

    python3 benches/slowloris.py PORT CONNECTIONS SECONDS [INTERVAL]
"""
import asyncio
import sys
import time

port, connections, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
interval = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
stats = {"open": 0, "closed_by_server": 0, "refused": 0}


async def one(deadline):
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            stats["refused"] += 1
            await asyncio.sleep(0.5)
            continue
        stats["open"] += 1
        try:
            writer.write(b"GET /cerca HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            await writer.drain()
            n = 0
            while time.monotonic() < deadline:
                # An answer (408) or the end of the stream before the next line is due means
                # the server gave up on this client.
                try:
                    await asyncio.wait_for(reader.read(1024), timeout=interval)
                    stats["closed_by_server"] += 1
                    break
                except asyncio.TimeoutError:
                    pass
                n += 1
                writer.write(b"X-Slow-%d: %d\r\n" % (n, n))
                await writer.drain()
        except OSError:
            stats["closed_by_server"] += 1
        finally:
            stats["open"] -= 1
            writer.close()


async def main():
    deadline = time.monotonic() + seconds
    tasks = [asyncio.create_task(one(deadline)) for _ in range(connections)]
    await asyncio.sleep(seconds - 0.5)
    print(f"slow clients: {stats['open']} connections open near the end, "
          f"{stats['closed_by_server']} closed by the server, {stats['refused']} refused")
    await asyncio.gather(*tasks, return_exceptions=True)


asyncio.run(main())

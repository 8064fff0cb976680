-- wrk script for krest's throughput benchmarks (scripts/bench.sh).
--
--   wrk ... -s benches/wrk/krest.lua URL -- MODE [ARG]
--
-- MODE get:    GET the URL as it is (one object, or a list); no per-request Lua.
-- MODE create: POST a new Widget with a unique name to the URL (a collection); ARG is a run id
--              that keeps names unique across runs.
-- MODE update: PUT Widgets `u-<thread>-<i>` (64 per thread, below the URL's collection) with
--              the resourceVersion from the previous response for that object, as a controller
--              updates from its informer cache. An object's first request, and the one after a
--              conflict or error, is a GET that learns its resourceVersion. Each thread owns its
--              objects and never has two requests in flight for one, so conflicts mean a bug.
--
-- Every mode ends with one line: `wrk-result key=value ...` (requests, seconds, rps, p50_us,
-- p99_us, status_errors, socket_errors, and for update puts, gets, conflicts).

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("tid", counter)
   table.insert(threads, thread)
end

mode = "get"
local body_template = '{"apiVersion":"demo.krest.dev/v1","kind":"Widget","metadata":{"name":"%s"%s},"spec":{"color":"%s","replicas":%d}}'
local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }

function init(args)
   mode = args[1] or "get"
   puts, gets, conflicts, failures = 0, 0, 0, 0
   if mode == "create" then
      local run = args[2] or "0"
      local n = 0
      local path = wrk.path
      request = function()
         n = n + 1
         local body = string.format(body_template, string.format("c-%s-%d-%d", run, tid, n), "", "blue", 3)
         return wrk.format("POST", path, headers, body)
      end
   elseif mode == "update" then
      local objects = tonumber(args[2] or "64")
      local collection = wrk.path
      local names, rv, busy, fifo = {}, {}, {}, {}
      for i = 1, objects do
         names[i] = string.format("u-%d-%d", tid, i)
      end
      -- Each PUT of an object alternates its replicas, so that every update changes the object
      -- (an update that changes nothing is not written).
      local next_i, writes = 0, {}
      request = function()
         for _ = 1, objects do
            next_i = next_i % objects + 1
            local name = names[next_i]
            if not busy[name] then
               busy[name] = true
               table.insert(fifo, name)
               local path = collection .. "/" .. name
               if rv[name] then
                  puts = puts + 1
                  writes[name] = (writes[name] or 0) + 1
                  local meta = string.format(',"resourceVersion":"%s"', rv[name])
                  return wrk.format("PUT", path, headers, string.format(body_template, name, meta, "red", writes[name] % 2 + 2))
               end
               gets = gets + 1
               return wrk.format("GET", path, headers)
            end
         end
         -- More connections than objects: should not happen with 64 objects per thread.
         gets = gets + 1
         return wrk.format("GET", collection .. "/" .. names[1], headers)
      end
      response = function(status, _, body)
         -- Release the object this response is for: by its name, or the oldest in flight
         -- (for a server that answers fixed bytes).
         local name = body and body:match('"name":"([^"]+)"')
         local at = nil
         for i, n in ipairs(fifo) do
            if n == name then at = i break end
         end
         at = at or 1
         local released = table.remove(fifo, at)
         if not released then return end
         busy[released] = nil
         if status == 200 then
            rv[released] = body:match('"resourceVersion":"(%d+)"')
         else
            rv[released] = nil
            if status == 409 then conflicts = conflicts + 1 else failures = failures + 1 end
         end
      end
   end
end

function done(summary, latency, requests)
   local seconds = summary.duration / 1e6
   local e = summary.errors
   local p, g, c, f = 0, 0, 0, 0
   for _, t in ipairs(threads) do
      p = p + (t:get("puts") or 0)
      g = g + (t:get("gets") or 0)
      c = c + (t:get("conflicts") or 0)
      f = f + (t:get("failures") or 0)
   end
   io.write(string.format(
      "wrk-result mode=%s requests=%d seconds=%.2f rps=%.1f p50_us=%d p99_us=%d status_errors=%d socket_errors=%d puts=%d gets=%d conflicts=%d failures=%d\n",
      threads[1] and threads[1]:get("mode") or mode, summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50), latency:percentile(99),
      e.status, e.connect + e.read + e.write + e.timeout, p, g, c, f))
end

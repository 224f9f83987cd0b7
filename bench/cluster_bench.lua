-- bench/cluster_bench.lua FILE: k-means (k = 4, 10 restarts) and a full-
-- covariance Gaussian mixture (k = 4) on FILE's x,y,z columns, unscaled.
-- Prints: kmeans_seconds inertia iterations gmm_seconds mean_loglik
-- iterations peak_rss_bytes rss_before_bytes (the fits alone are timed).
local custan = require "custan"
local cluster = require "custan.cluster"
local host = require "custan.core.host"
local util = require "custan.util"

local t = custan.read_csv(arg[1])
local before = util.process_memory()
local o = {features = {"x", "y", "z"}, scale = "none", k = 4, seed = 0}
local t0 = host.now()
local km = cluster.fit(t, setmetatable({method = "kmeans", n_init = 10}, {__index = o}))
local t1 = host.now()
local gm = cluster.fit(t, setmetatable({method = "gmm", covariance = "full"}, {__index = o}))
local t2 = host.now()
local mem = util.process_memory()
print(string.format("%.4f %.6f %d %.4f %.8f %d %d %d", t1 - t0, km.inertia, km.iterations, t2 - t1,
  gm.mean_loglik, gm.iterations, mem.peak or 0, before.rss or 0))

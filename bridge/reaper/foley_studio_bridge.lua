-- Foley Studio companion script for REAPER (Lua 5.3/5.4 ReaScript).
--
-- Foley Studio writes jobs as JSON files into <spool>/requests/ and then triggers this
-- script's action over OSC (/action/_FOLEY_STUDIO_BRIDGE). Each run handles every waiting job
-- in name order and answers each with <spool>/replies/<id>.json, written to a temporary name
-- and renamed so Foley Studio never reads half a reply.
--
-- Jobs ({"id": ..., "op": ..., "expires": unix seconds, ...}):
--   place   {path, track (0-based index, master excluded, or a name), create_track,
--            position (seconds), name, metadata (object, kept in the take's P_EXT:foley_studio)}
--           -> {ok, position, length, track_index, track_name, item_guid, name, path, timebase}
--           The item gets time-based timebase (C_BEATATTACHMODE 0): a tempo change never
--           moves it off picture.
--   marker  {position, name}      -> {ok, position, name, index}
--   cursor  {position}            -> {ok, position}
--   ping    {}                    -> {ok, version, script, time_offset}
--           time_offset: the project's start time (Project Settings > Project start time) in
--           seconds, which REAPER's ruler adds to item positions (GetProjectTimeOffset).
-- A job that fails answers {ok = false, error = "..."}; nothing is changed in the project.
--
-- Every run first leaves a heartbeat, {time, script, reaper, spool, action}, in
-- <spool>/heartbeat.json and in <REAPER resource folder>/FoleyStudio/heartbeat.json, so Foley
-- Studio can tell "the script never ran" (not registered under the action it triggers) from
-- "it ran but reads another spool folder".
--
-- The spool folder is the "spool" value of ExtState section "FoleyStudio" when set, otherwise
-- <REAPER resource folder>/FoleyStudio/spool. Install: see README.md beside this file.

local SCRIPT_VERSION = "3"
local EXT_SECTION = "FoleyStudio"
local BUILD_MISSING_PEAKS = 40047
local TIMEBASE_TIME = 0 -- C_BEATATTACHMODE: -1 project default, 0 time, 1 beats, 2 beats (position only)

local function fail(message)
  error(message, 0) -- no "file:line:" prefix: the text goes to the user
end

---------------------------------------------------------------------------------------------
-- JSON (objects, arrays, strings, numbers, booleans, null)
---------------------------------------------------------------------------------------------
local json = {}

local function skip_space(text, pos)
  return text:find("[^ \t\r\n]", pos) or #text + 1
end

local ESCAPES = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function decode_string(text, pos)
  local out, i = {}, pos + 1
  while true do
    local c = text:sub(i, i)
    if c == "" then fail("unterminated string in JSON") end
    if c == '"' then return table.concat(out), i + 1 end
    if c == "\\" then
      local e = text:sub(i + 1, i + 1)
      if e == "u" then
        local code = tonumber(text:sub(i + 2, i + 5), 16) or fail("bad \\u escape in JSON")
        i = i + 6
        if code >= 0xD800 and code <= 0xDBFF and text:sub(i, i + 1) == "\\u" then
          local low = tonumber(text:sub(i + 2, i + 5), 16) or fail("bad \\u escape in JSON")
          code = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
          i = i + 6
        end
        out[#out + 1] = utf8.char(code)
      else
        out[#out + 1] = ESCAPES[e] or fail("bad escape \\" .. e .. " in JSON")
        i = i + 2
      end
    else
      out[#out + 1] = c
      i = i + 1
    end
  end
end

local decode_value

local function decode_list(text, pos, close, item)
  local result, n = {}, 0
  pos = skip_space(text, pos + 1)
  if text:sub(pos, pos) == close then return result, pos + 1 end
  while true do
    n = n + 1
    pos = item(result, n, pos)
    pos = skip_space(text, pos)
    local c = text:sub(pos, pos)
    if c == close then return result, pos + 1 end
    if c ~= "," then fail("expected ',' or '" .. close .. "' at byte " .. pos .. " of JSON") end
    pos = skip_space(text, pos + 1)
  end
end

function decode_value(text, pos)
  pos = skip_space(text, pos)
  local c = text:sub(pos, pos)
  if c == "{" then
    return decode_list(text, pos, "}", function(obj, _, p)
      if text:sub(p, p) ~= '"' then fail("expected a key at byte " .. p .. " of JSON") end
      local key; key, p = decode_string(text, p)
      p = skip_space(text, p)
      if text:sub(p, p) ~= ":" then fail("expected ':' at byte " .. p .. " of JSON") end
      obj[key], p = decode_value(text, p + 1)
      return p
    end)
  elseif c == "[" then
    return decode_list(text, pos, "]", function(arr, n, p)
      arr[n], p = decode_value(text, p)
      return p
    end)
  elseif c == '"' then
    return decode_string(text, pos)
  end
  for word, value in pairs({ ["true"] = true, ["false"] = false, ["null"] = json.null }) do
    if text:sub(pos, pos + #word - 1) == word then return value, pos + #word end
  end
  local num = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
  if not num or not tonumber(num) then fail("unexpected character at byte " .. pos .. " of JSON") end
  return tonumber(num), pos + #num
end

json.null = setmetatable({}, { __tostring = function() return "null" end })

function json.decode(text)
  local value, pos = decode_value(text, 1)
  if skip_space(text, pos) <= #text then fail("trailing data after JSON value") end
  return value
end

local function encode_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    local named = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
    return named[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

function json.encode(value)
  local kind = type(value)
  if value == json.null or value == nil then return "null" end
  if kind == "boolean" then return tostring(value) end
  if kind == "number" then
    if math.type(value) == "integer" then return tostring(value) end
    if value ~= value or value == math.huge or value == -math.huge then return "null" end
    return string.format("%.17g", value)
  end
  if kind == "string" then return encode_string(value) end
  local parts = {}
  if #value > 0 then
    for _, v in ipairs(value) do parts[#parts + 1] = json.encode(v) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local keys = {}
  for k in pairs(value) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = encode_string(k) .. ":" .. json.encode(value[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end

---------------------------------------------------------------------------------------------
-- Files
---------------------------------------------------------------------------------------------
local function spool_dir()
  local configured = reaper.GetExtState(EXT_SECTION, "spool")
  if configured and configured ~= "" then return configured end
  return reaper.GetResourcePath() .. "/FoleyStudio/spool"
end

local function read_file(path)
  local fh = io.open(path, "rb")
  if not fh then return nil end
  local text = fh:read("a")
  fh:close()
  return text
end

local function write_atomic(path, text)
  local tmp = path .. ".part"
  local fh = assert(io.open(tmp, "wb"))
  fh:write(text)
  fh:close()
  os.remove(path)
  assert(os.rename(tmp, path))
end

local function pending_jobs(dir)
  local names = {}
  reaper.EnumerateFiles(dir, -1) -- re-read the folder, not REAPER's cached listing
  local k = 0
  while true do
    local name = reaper.EnumerateFiles(dir, k)
    if not name then break end
    if name:match("%.json$") and not name:match("^%.") then names[#names + 1] = name end
    k = k + 1
  end
  table.sort(names)
  return names
end

---------------------------------------------------------------------------------------------
-- Jobs
---------------------------------------------------------------------------------------------
local function number_field(job, key)
  local v = job[key]
  if type(v) ~= "number" or v ~= v or v < 0 or v == math.huge then
    fail(key .. " must be a time of 0 s or later, got " .. tostring(v))
  end
  return v
end

local function track_name(track)
  local _, name = reaper.GetTrackName(track)
  return name
end

local function find_track(ref, create)
  local count = reaper.CountTracks(0)
  if type(ref) == "number" then
    if math.type(ref) ~= "integer" or ref < 0 or ref >= count then
      fail("the project has " .. count .. " tracks; there is no track index " .. tostring(ref) ..
            " (indices start at 0, master excluded)")
    end
    return reaper.GetTrack(0, ref), ref
  end
  if type(ref) ~= "string" or ref == "" then fail("track must be a name or a 0-based index") end
  for k = 0, count - 1 do
    local track = reaper.GetTrack(0, k)
    if track_name(track) == ref then return track, k end
  end
  if not create then fail("the project has no track named '" .. ref .. "'") end
  reaper.InsertTrackAtIndex(count, true)
  local track = reaper.GetTrack(0, count)
  reaper.GetSetMediaTrackInfo_String(track, "P_NAME", ref, true)
  return track, count
end

local function open_source(path)
  if type(path) ~= "string" or not reaper.file_exists(path) then
    fail("file not found: " .. tostring(path) .. " (moved or deleted?)")
  end
  local source = reaper.PCM_Source_CreateFromFile(path)
  local length = source and reaper.GetMediaSourceLength(source)
  if not length or length <= 0 then
    if source then reaper.PCM_Source_Destroy(source) end
    fail("REAPER cannot read audio from " .. path)
  end
  return source, length
end

local jobs = {}

function jobs.place(job)
  local position = number_field(job, "position")
  local source, length = open_source(job.path)
  local ok, track, index = pcall(find_track, job.track, job.create_track == true)
  if not ok then reaper.PCM_Source_Destroy(source); fail(track) end
  local name = type(job.name) == "string" and job.name ~= "" and job.name or job.path:match("([^/\\]+)$")
  reaper.Undo_BeginBlock()
  local item = reaper.AddMediaItemToTrack(track)
  local take = reaper.AddTakeToMediaItem(item)
  reaper.SetMediaItemTake_Source(take, source)
  reaper.SetMediaItemInfo_Value(item, "D_POSITION", position)
  reaper.SetMediaItemInfo_Value(item, "D_LENGTH", length)
  reaper.SetMediaItemInfo_Value(item, "C_BEATATTACHMODE", TIMEBASE_TIME)
  reaper.GetSetMediaItemTakeInfo_String(take, "P_NAME", name, true)
  if type(job.metadata) == "table" then
    reaper.GetSetMediaItemTakeInfo_String(take, "P_EXT:foley_studio", json.encode(job.metadata), true)
  end
  reaper.UpdateArrange()
  reaper.Main_OnCommand(BUILD_MISSING_PEAKS, 0)
  reaper.Undo_EndBlock("Foley Studio: place " .. name, -1)
  local _, guid = reaper.GetSetMediaItemInfo_String(item, "GUID", "", false)
  return { position = reaper.GetMediaItemInfo_Value(item, "D_POSITION"),
           length = reaper.GetMediaItemInfo_Value(item, "D_LENGTH"),
           track_index = index, track_name = track_name(track), item_guid = guid,
           name = select(2, reaper.GetSetMediaItemTakeInfo_String(take, "P_NAME", "", false)),
           path = reaper.GetMediaSourceFileName(reaper.GetMediaItemTake_Source(take)),
           timebase = math.tointeger(reaper.GetMediaItemInfo_Value(item, "C_BEATATTACHMODE")) }
end

function jobs.marker(job)
  local position = number_field(job, "position")
  local name = type(job.name) == "string" and job.name or ""
  reaper.Undo_BeginBlock()
  local index = reaper.AddProjectMarker2(0, false, position, 0, name, -1, 0)
  reaper.Undo_EndBlock("Foley Studio: marker " .. name, -1)
  if not index or index < 0 then fail("REAPER refused a marker at " .. position .. " s") end
  reaper.UpdateTimeline()
  return { position = position, name = name, index = index }
end

function jobs.cursor(job)
  reaper.SetEditCurPos(number_field(job, "position"), true, false)
  return { position = reaper.GetCursorPosition() }
end

function jobs.ping(_)
  return { version = reaper.GetAppVersion(), script = SCRIPT_VERSION,
           time_offset = reaper.GetProjectTimeOffset(0, false) }
end

local function run_job(text)
  local decoded, job = pcall(json.decode, text)
  if not decoded then fail("the job is not valid JSON: " .. tostring(job)) end
  if type(job) ~= "table" then fail("the job is not a JSON object") end
  if type(job.expires) == "number" and os.time() > job.expires then
    fail("the job expired before REAPER ran it (Foley Studio stopped waiting)")
  end
  local handler = jobs[job.op] or fail("unknown job op '" .. tostring(job.op) .. "'")
  return handler(job)
end

local function answer(dir, file)
  local request = dir .. "/requests/" .. file
  local text = read_file(request)
  os.remove(request)
  if not text then return end
  local ok, result = pcall(run_job, text)
  if not ok then result = { error = tostring(result):gsub("^[^:]*:%d+: ", "") } end
  result.ok = ok
  result.id = file:gsub("%.json$", "")
  write_atomic(dir .. "/replies/" .. file, json.encode(result))
end

local function own_action()
  local _, _, _, command = reaper.get_action_context()
  local named = command and reaper.ReverseNamedCommandLookup(command)
  if named and named ~= "" then return "_" .. named end
  return tostring(command)
end

local function heartbeat(dir)
  local beat = json.encode({ time = os.time(), script = SCRIPT_VERSION, reaper = reaper.GetAppVersion(),
                             spool = dir, action = own_action() })
  for _, folder in ipairs({ dir, reaper.GetResourcePath() .. "/FoleyStudio" }) do
    reaper.RecursiveCreateDirectory(folder, 0)
    pcall(write_atomic, folder .. "/heartbeat.json", beat) -- a read-only folder must not stop the jobs
  end
end

local function main()
  local dir = spool_dir()
  heartbeat(dir)
  for _, file in ipairs(pending_jobs(dir .. "/requests")) do answer(dir, file) end
end

main()

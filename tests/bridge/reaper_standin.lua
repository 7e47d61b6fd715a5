-- A stand-in for REAPER's ReaScript API: the functions foley_studio_bridge.lua calls, acting
-- on an in-memory project and recording every call. Media lengths come from the WAV header.
--
-- Environment: STANDIN_RESOURCE (resource folder), STANDIN_SPOOL (ExtState spool, optional),
-- STANDIN_TRACKS (comma-separated track names), STANDIN_STATE (file the run's state goes to),
-- STANDIN_ACTION (the named command the script runs as, without "_"; empty: a numeric one),
-- STANDIN_TIME_OFFSET (the project's start time in seconds, default 0).
-- New items start with timebase -1 (the project's default, beats in many templates).

local project = { tracks = {}, markers = {}, cursor = 0.0, calls = {}, undo = 0 }

local function record(name) project.calls[#project.calls + 1] = name end

-- The session lives on between runs, as REAPER's does: a run starts from the state the last
-- one left in STANDIN_STATE (tracks, items, markers, cursor); the first from STANDIN_TRACKS.
local function fields(line)
  local out = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do out[#out + 1] = field end
  return out
end

local function restore(path)
  local fh = io.open(path, "r")
  if not fh then return false end
  for line in fh:lines() do
    local f = fields(line)
    if f[1] == "track" then
      project.tracks[#project.tracks + 1] = { name = f[3], items = {} }
    elseif f[1] == "item" then
      local track = project.tracks[tonumber(f[2]) + 1]
      local item = { track = track, D_POSITION = tonumber(f[3]), D_LENGTH = tonumber(f[4]),
                     C_BEATATTACHMODE = tonumber(f[8]) }
      item.takes = { { item = item, P_NAME = f[5], source = { path = f[6] }, ext = { foley_studio = f[7] } } }
      track.items[#track.items + 1] = item
    elseif f[1] == "marker" then
      project.markers[#project.markers + 1] = { pos = tonumber(f[3]), name = f[4] }
    elseif f[1] == "cursor" then
      project.cursor = tonumber(f[2])
    end
  end
  fh:close()
  return true
end

if not restore(os.getenv("STANDIN_STATE") or "") then
  for name in (os.getenv("STANDIN_TRACKS") or ""):gmatch("[^,]+") do
    project.tracks[#project.tracks + 1] = { name = name, items = {} }
  end
end

local function wav_length(path)
  local fh = io.open(path, "rb")
  if not fh then return nil end
  local data = fh:read("a")
  fh:close()
  if data:sub(1, 4) ~= "RIFF" or data:sub(9, 12) ~= "WAVE" then return nil end
  local pos, rate, align, bytes = 13, nil, nil, nil
  while pos + 8 <= #data do
    local id, size = data:sub(pos, pos + 3), string.unpack("<I4", data, pos + 4)
    if id == "fmt " then rate, align = string.unpack("<I4", data, pos + 12), string.unpack("<I2", data, pos + 20) end
    if id == "data" then bytes = size end
    pos = pos + 8 + size + size % 2
  end
  if not (rate and align and bytes) then return nil end
  return bytes / align / rate
end

reaper = {}

function reaper.GetResourcePath() record("GetResourcePath"); return os.getenv("STANDIN_RESOURCE") or "." end
function reaper.GetExtState(section, key)
  record("GetExtState")
  if section == "FoleyStudio" and key == "spool" then return os.getenv("STANDIN_SPOOL") or "" end
  return ""
end
function reaper.GetAppVersion() record("GetAppVersion"); return "7.27/linux-x86_64" end
function reaper.GetProjectTimeOffset(proj, rndframe)
  record("GetProjectTimeOffset")
  return tonumber(os.getenv("STANDIN_TIME_OFFSET") or "0")
end
function reaper.get_action_context() record("get_action_context"); return false, "", 0, 54321, -1, -1, -1, "" end
function reaper.ReverseNamedCommandLookup(command)
  record("ReverseNamedCommandLookup")
  local named = os.getenv("STANDIN_ACTION") or ""
  if command == 54321 and named ~= "" then return named end
  return nil
end
function reaper.RecursiveCreateDirectory(path, ignored)
  record("RecursiveCreateDirectory")
  os.execute('mkdir -p "' .. path .. '" 2>/dev/null')
  return 1
end

local listings = {}
function reaper.EnumerateFiles(dir, index)
  record("EnumerateFiles")
  if index == -1 or not listings[dir] then
    local names = {}
    local ls = io.popen('ls -1 "' .. dir .. '" 2>/dev/null')
    for line in ls:lines() do names[#names + 1] = line end
    ls:close()
    listings[dir] = names
    if index == -1 then return nil end
  end
  return listings[dir][index + 1]
end

function reaper.file_exists(path)
  record("file_exists")
  local fh = io.open(path, "rb")
  if fh then fh:close() end
  return fh ~= nil
end

function reaper.CountTracks(proj) record("CountTracks"); return #project.tracks end
function reaper.GetTrack(proj, index) record("GetTrack"); return project.tracks[index + 1] end
function reaper.GetTrackName(track) record("GetTrackName"); return true, track.name end
function reaper.InsertTrackAtIndex(index, defaults)
  record("InsertTrackAtIndex")
  table.insert(project.tracks, index + 1, { name = "", items = {} })
end
function reaper.GetSetMediaTrackInfo_String(track, key, value, set)
  record("GetSetMediaTrackInfo_String")
  if key == "P_NAME" and set then track.name = value end
  return true, track.name
end

function reaper.PCM_Source_CreateFromFile(path)
  record("PCM_Source_CreateFromFile")
  return { path = path, length = wav_length(path) }
end
function reaper.PCM_Source_Destroy(source) record("PCM_Source_Destroy"); source.destroyed = true end
function reaper.GetMediaSourceLength(source)
  record("GetMediaSourceLength")
  return source.length or 0.0, false
end

local guid = 0
for _, track in ipairs(project.tracks) do guid = guid + #track.items end
function reaper.AddMediaItemToTrack(track)
  record("AddMediaItemToTrack")
  guid = guid + 1
  local item = { track = track, D_POSITION = 0.0, D_LENGTH = 0.0, takes = {}, C_BEATATTACHMODE = -1,
                 GUID = string.format("{00000000-0000-0000-0000-%012d}", guid) }
  track.items[#track.items + 1] = item
  return item
end
function reaper.AddTakeToMediaItem(item)
  record("AddTakeToMediaItem")
  local take = { item = item, P_NAME = "", ext = {} }
  item.takes[#item.takes + 1] = take
  return take
end
function reaper.SetMediaItemTake_Source(take, source) record("SetMediaItemTake_Source"); take.source = source; return true end
function reaper.GetMediaItemTake_Source(take) record("GetMediaItemTake_Source"); return take.source end
function reaper.GetMediaSourceFileName(source) record("GetMediaSourceFileName"); return source.path end
function reaper.SetMediaItemInfo_Value(item, key, value) record("SetMediaItemInfo_Value"); item[key] = value; return true end
function reaper.GetMediaItemInfo_Value(item, key) record("GetMediaItemInfo_Value"); return item[key] end
function reaper.GetSetMediaItemInfo_String(item, key, value, set)
  record("GetSetMediaItemInfo_String")
  return true, item[key]
end
function reaper.GetSetMediaItemTakeInfo_String(take, key, value, set)
  record("GetSetMediaItemTakeInfo_String")
  local ext = key:match("^P_EXT:(.+)$")
  if ext then if set then take.ext[ext] = value end; return true, take.ext[ext] or "" end
  if set then take[key] = value end
  return true, take[key]
end

function reaper.AddProjectMarker2(proj, isrgn, pos, rgnend, name, wantidx, color)
  record("AddProjectMarker2")
  project.markers[#project.markers + 1] = { pos = pos, name = name }
  return #project.markers
end
function reaper.SetEditCurPos(time, moveview, seekplay) record("SetEditCurPos"); project.cursor = time end
function reaper.GetCursorPosition() record("GetCursorPosition"); return project.cursor end

function reaper.Main_OnCommand(command, flag) record("Main_OnCommand:" .. command) end
function reaper.UpdateArrange() record("UpdateArrange") end
function reaper.UpdateTimeline() record("UpdateTimeline") end
function reaper.Undo_BeginBlock() record("Undo_BeginBlock"); project.undo = project.undo + 1 end
function reaper.Undo_EndBlock(label, flags) record("Undo_EndBlock"); project.undo = project.undo - 1 end

-- Tab-separated dump of the project after the script ran, for the tests to read.
function standin_dump(path)
  local out = assert(io.open(path, "w"))
  out:write("undo\t", project.undo, "\n", "cursor\t", string.format("%.17g", project.cursor), "\n")
  for k, track in ipairs(project.tracks) do
    out:write("track\t", k - 1, "\t", track.name, "\n")
    for _, item in ipairs(track.items) do
      local take = item.takes[1] or { ext = {} }
      out:write("item\t", k - 1, "\t", string.format("%.17g", item.D_POSITION), "\t",
                string.format("%.17g", item.D_LENGTH), "\t", take.P_NAME or "", "\t",
                take.source and take.source.path or "", "\t", take.ext.foley_studio or "", "\t",
                math.tointeger(item.C_BEATATTACHMODE), "\n")
    end
  end
  for k, marker in ipairs(project.markers) do
    out:write("marker\t", k, "\t", string.format("%.17g", marker.pos), "\t", marker.name, "\n")
  end
  for _, call in ipairs(project.calls) do out:write("call\t", call, "\n") end
  out:close()
end

-- Run a ReaScript the way REAPER runs an action: with the `reaper` table defined.
-- Usage: lua5.4 run_reaper_script.lua STANDIN.lua SCRIPT.lua  (state goes to $STANDIN_STATE)
dofile(arg[1])
dofile(arg[2])
if os.getenv("STANDIN_STATE") then standin_dump(os.getenv("STANDIN_STATE")) end

-- A scripted session of Neovim's built-in LSP client against `noxc lsp`,
-- run by lsp/nvim_test.go:
--
--   NOXC=path/to/noxc NOX_FILE=dir/moons.nox NOX_OUT=out.json NOX_SCRIPT=client.lua \
--     NOX_VIM_DIR=editors/vim \
--     nvim --headless --clean -i NONE -n -c "lua dofile(os.getenv('NOX_SCRIPT'))"
--
-- NOX_FILE holds examples/moons.nox with its first MAF misspelled MAFF on
-- line 3 (0-based line 2, columns 7 to 11). The script opens it, waits for
-- the diagnostics, asks for hovers, a quick fix, completions, signature
-- help, formatting, symbols and semantic tokens, makes edits through the
-- buffer (so Neovim sends incremental didChange notifications) and waits
-- for the diagnostics each edit brings. Everything it got is written as
-- JSON to NOX_OUT; the Go test makes the assertions. It never waits
-- forever: every wait has a timeout and a timer quits after 25 s.
--
-- It uses only what Neovim 0.7 has (Debian's neovim): vim.lsp.start_client
-- and buf_attach_client rather than 0.8's vim.lsp.start, the handler
-- signature (err, result, ctx, config), vim.lsp.buf_request_sync; all
-- of these are still in later versions.

local noxc, file, out = os.getenv('NOXC'), os.getenv('NOX_FILE'), os.getenv('NOX_OUT')
local json_encode = (vim.json and vim.json.encode) or vim.fn.json_encode
local report = { steps = {}, diagnostics = {} }
local uv = vim.uv or vim.loop -- vim.loop is deprecated from 0.10
local t0 = uv.hrtime()

local function ms()
  return math.floor((uv.hrtime() - t0) / 1e6)
end

local function write()
  report.elapsed_ms = ms()
  local f = assert(io.open(out, 'w'))
  f:write(json_encode(report))
  f:close()
end

local function finish(code)
  write()
  if code == 0 then
    vim.cmd('qa!')
  else
    vim.cmd('cquit ' .. code)
  end
end

-- The last timer: whatever hangs, the file says so and nvim exits.
vim.defer_fn(function()
  report.error = 'timed out after 25 s at step ' .. tostring(#report.steps)
  finish(3)
end, 25000)

-- NOX_LSP_LOG=debug logs every message to Neovim's lsp.log (its state
-- or cache directory), for seeing what the client sent.
if os.getenv('NOX_LSP_LOG') then
  vim.lsp.set_log_level(os.getenv('NOX_LSP_LOG'))
end

local v = vim.version()
report.nvim = string.format('%d.%d.%d', v.major, v.minor, v.patch)

local bufnr, client_id
local latest -- the last publishDiagnostics params, with what Neovim made of them

local function on_diagnostics(err, result, ctx, config)
  vim.lsp.handlers['textDocument/publishDiagnostics'](err, result, ctx, config)
  local shown = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    shown[#shown + 1] = { lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = d.severity, message = d.message }
  end
  latest = { version = result.version, diagnostics = result.diagnostics, shown = shown, at_ms = ms() }
  report.diagnostics[#report.diagnostics + 1] = latest
end

-- request sends one request and waits for its answer (flushing the
-- buffer's pending changes first, as every client request does).
local function request(method, params)
  local replies, err = vim.lsp.buf_request_sync(bufnr, method, params, 5000)
  if not replies then
    return { error = tostring(err) }
  end
  local r = replies[client_id]
  if not r then
    return { error = 'no reply' }
  end
  return { result = r.result, error = r.err and (r.err.message or tostring(r.err)) or nil }
end

local function doc()
  return { uri = vim.uri_from_bufnr(bufnr) }
end

local function at(line, character)
  return { textDocument = doc(), position = { line = line, character = character } }
end

-- step records one request's answer under a name.
local function step(name, method, params)
  local r = request(method, params)
  r.name, r.method, r.at_ms = name, method, ms()
  report.steps[#report.steps + 1] = r
  return r
end

-- wait_diagnostics waits for a publication after n earlier ones that
-- satisfies ok, and records whether it came.
local function wait_diagnostics(name, n, ok)
  local got = vim.wait(5000, function()
    return #report.diagnostics > n and ok(latest.diagnostics)
  end, 10)
  report.steps[#report.steps + 1] = { name = name, method = 'wait', result = got, at_ms = ms() }
  return got
end

local function empty(ds)
  return #ds == 0
end

local function nonempty(ds)
  return #ds > 0
end

-- start starts the client and opens the file as editors/README.md
-- tells users of Neovim 0.7 to: the client started once, attached to
-- each buffer of filetype nox by a FileType autocommand, the filetype
-- set by editors/vim's ftdetect (NOX_VIM_DIR, put on the runtimepath).
local function start()
  client_id = vim.lsp.start_client({
    name = 'noxc',
    cmd = { noxc, 'lsp' },
    root_dir = vim.fn.fnamemodify(file, ':h'),
    handlers = { ['textDocument/publishDiagnostics'] = on_diagnostics },
    flags = { debounce_text_changes = 20 },
  })
  assert(client_id, 'the client did not start')
  local vimdir = os.getenv('NOX_VIM_DIR')
  if vimdir then
    vim.opt.runtimepath:append(vimdir)
    vim.cmd('runtime! ftdetect/nox.vim')
  end
  vim.api.nvim_create_autocmd('FileType', {
    pattern = 'nox',
    callback = function(args)
      vim.lsp.buf_attach_client(args.buf, client_id)
    end,
  })
  vim.cmd('edit ' .. vim.fn.fnameescape(file))
  bufnr = vim.api.nvim_get_current_buf()
  report.filetype = vim.bo[bufnr].filetype
  report.syntax = vim.b[bufnr].current_syntax
  report.attached_by_filetype = vim.lsp.buf_is_attached(bufnr, client_id)
  if not report.attached_by_filetype then -- the rest is still worth running
    vim.lsp.buf_attach_client(bufnr, client_id)
  end
  local ready = vim.wait(10000, function()
    local c = vim.lsp.get_client_by_id(client_id)
    return c ~= nil and c.initialized
  end, 10)
  assert(ready, 'the server did not initialize in 10 s')
  local client = vim.lsp.get_client_by_id(client_id)
  local caps = client.server_capabilities or {}
  local sync = caps.textDocumentSync
  report.sync = type(sync) == 'table' and sync.change or sync
  report.initialized_ms = ms()
end

local function main()
  start()

  -- The misspelled layer.
  wait_diagnostics('open', 0, nonempty)
  step('hover MAF', 'textDocument/hover', at(2, 32)) -- the second MAF on line 3
  step('hover data', 'textDocument/hover', at(3, 15)) -- `data` in train flow on data
  step('code action', 'textDocument/codeAction', {
    textDocument = doc(),
    range = { start = { line = 2, character = 8 }, ['end'] = { line = 2, character = 8 } },
    context = { diagnostics = latest.diagnostics },
  })

  -- The fix, typed: an incremental change of four characters to three.
  local n = #report.diagnostics
  vim.api.nvim_buf_set_text(bufnr, 2, 7, 2, 11, { 'MAF' })
  wait_diagnostics('fixed', n, empty)
  step('hover flow', 'textDocument/hover', at(2, 1))

  -- A new line being typed after a pipe, then in an options block.
  local last = vim.api.nvim_buf_line_count(bufnr)
  local typed = 'other = MAF(100) |> '
  vim.api.nvim_buf_set_lines(bufnr, last, last, false, { typed })
  step('complete after |>', 'textDocument/completion', at(last, #typed))
  step('signature MAF(', 'textDocument/signatureHelp', at(last, 12))
  typed = 'train flow on data { st'
  vim.api.nvim_buf_set_lines(bufnr, last, last + 1, false, { typed })
  step('complete in options', 'textDocument/completion', at(last, #typed))
  n = #report.diagnostics
  vim.api.nvim_buf_set_lines(bufnr, last, last + 1, false, {})
  wait_diagnostics('line removed', n, empty)

  -- Formatting: a line spaced out is put back as noxc fmt writes it. The
  -- edits before it reach the server as one didChange of several changes
  -- (the request flushes them), two of them after emoji in a comment; the
  -- formatted text is the server's, so any divergence of its copy from
  -- the buffer's shows in the result.
  local canonical = vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)
  local emoji = '\240\159\152\128'
  local c0 = #canonical[1]
  vim.api.nvim_buf_set_text(bufnr, 0, c0, 0, c0, { ' ' .. emoji .. emoji .. 'x' })
  vim.api.nvim_buf_set_text(bufnr, 0, c0 + 1, 0, c0 + 5, {}) -- the first emoji
  vim.api.nvim_buf_set_text(bufnr, 0, c0 + 5, 0, c0 + 6, { '!' }) -- x after the second
  canonical[1] = canonical[1] .. ' ' .. emoji .. '!'
  vim.api.nvim_buf_set_lines(bufnr, 4, 5, false, { 'sample   flow   1000 to "moons_samples.csv"' })
  local f = step('formatting', 'textDocument/formatting',
    { textDocument = doc(), options = { tabSize = 4, insertSpaces = true } })
  if type(f.result) == 'table' then
    vim.lsp.util.apply_text_edits(f.result, bufnr, 'utf-16')
  end
  local now = vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)
  report.formatted = vim.deep_equal(now, canonical)
  report.formatted_lines = now

  step('symbols', 'textDocument/documentSymbol', { textDocument = doc() })
  step('semantic tokens', 'textDocument/semanticTokens/full', { textDocument = doc() })
  step('definition', 'textDocument/definition', at(3, 7)) -- `flow` in train flow
  step('references', 'textDocument/references',
    { textDocument = doc(), position = { line = 2, character = 1 }, context = { includeDeclaration = true } })

  -- A quick fix applied by Neovim on a line where UTF-16, code points
  -- and bytes differ: an emoji (two UTF-16 units, four bytes) before the
  -- misspelled argument (data/m😀ons.csv is a copy of moons.csv).
  n = #report.diagnostics
  vim.api.nvim_buf_set_lines(bufnr, 1, 2, false, { 'data = csv("data/m\240\159\152\128ons.csv", colums = [0, 1])' })
  wait_diagnostics('emoji line', n, nonempty)
  local wide = latest
  report.wide = wide
  local pos = wide.diagnostics[1].range.start
  local a = step('code action on emoji line', 'textDocument/codeAction', {
    textDocument = doc(), range = { start = pos, ['end'] = pos }, context = { diagnostics = wide.diagnostics },
  })
  n = #report.diagnostics
  if type(a.result) == 'table' and a.result[1] and a.result[1].edit then
    vim.lsp.util.apply_workspace_edit(a.result[1].edit, 'utf-16')
  end
  report.wide_fixed_line = vim.api.nvim_buf_get_lines(bufnr, 1, 2, true)[1]
  wait_diagnostics('emoji line fixed', n, empty)

  -- Rename, applied by Neovim: every use of flow.
  step('prepare rename', 'textDocument/prepareRename', at(3, 7))
  local rn = at(3, 7)
  rn.newName = 'density_model'
  local e = step('rename', 'textDocument/rename', rn)
  n = #report.diagnostics
  if type(e.result) == 'table' then
    vim.lsp.util.apply_workspace_edit(e.result, 'utf-16')
  end
  report.renamed_lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, true)
  wait_diagnostics('renamed', n, empty)

  vim.lsp.stop_client(client_id)
  report.stopped = vim.wait(5000, function()
    return vim.lsp.get_client_by_id(client_id) == nil
  end, 10)
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  report.error = tostring(err)
  finish(2)
end
finish(0)

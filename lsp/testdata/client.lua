-- A headless Neovim session as a user would have it: open a Dockerfile of
-- the repository with layerwise's language server attached, read its
-- diagnostics, hover the finding, edit the buffer (unsaved) so that the
-- finding goes away and comes back, take the code action that fixes it,
-- and write what happened as JSON to LW_OUT. Neovim's own LSP client.
local out = {}
local bin, root, file = os.getenv("LW_BIN"), os.getenv("LW_ROOT"), os.getenv("LW_FILE")
local function finish()
  local f = io.open(os.getenv("LW_OUT"), "w")
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qa!")
end
local ok, err = pcall(function()
  local id = vim.lsp.start_client({ name = "layerwise", cmd = { bin, "lsp" }, root_dir = root })
  vim.cmd("edit " .. vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buf, id)
  local function wait_for(pred)
    return vim.wait(60000, pred, 50)
  end
  local function codes()
    local c = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      table.insert(c, { code = d.code, line = d.lnum, message = d.message, severity = d.severity })
    end
    return c
  end
  local function has(code)
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if d.code == code then return d end
    end
    return nil
  end
  out.opened = wait_for(function() return has("LW101") ~= nil end)
  out.diagnostics = codes()
  local d = has("LW101")
  if d then
    local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover",
      { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = { line = d.lnum, character = 0 } }, 20000)
    for _, r in pairs(hover or {}) do
      if r.result then out.hover = r.result.contents.value end
    end
  end
  -- an unsaved edit: the broad COPY becomes a manifest COPY, the finding goes
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local broad
  for i, l in ipairs(lines) do
    if l:match("^COPY %. %.$") then broad = i end
  end
  out.broad_line = broad
  vim.api.nvim_buf_set_lines(buf, broad - 1, broad, false, { "COPY package.json package-lock.json ./" })
  out.cleared = wait_for(function() return has("LW101") == nil end)
  vim.api.nvim_buf_set_lines(buf, broad - 1, broad, false, { "COPY . ." })
  out.back = wait_for(function() return has("LW101") ~= nil end)
  -- the code action that fixes it, applied to the buffer
  d = has("LW101")
  local actions = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = d.lnum, character = 0 }, ["end"] = { line = d.lnum, character = 0 } },
    context = { diagnostics = {} },
  }, 20000)
  out.actions = {}
  for _, r in pairs(actions or {}) do
    for _, a in ipairs(r.result or {}) do
      table.insert(out.actions, a.title)
      if a.title:match("^LW101") and not out.applied then
        vim.lsp.util.apply_workspace_edit(a.edit, "utf-16")
        out.applied = true
      end
    end
  end
  out.after_fix = wait_for(function() return has("LW101") == nil end)
  out.text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")
  out.modified = vim.bo[buf].modified
end)
if not ok then out.error = tostring(err) end
finish()

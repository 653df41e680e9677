// memfs.js: an in-memory file system with the node-style callback API
// that Go's js/wasm port (syscall/fs_js.go) calls through globalThis.fs.
// Loaded before wasm_exec.js, which then keeps it instead of its stub.
// Paths are absolute ("/examples/moons.nox") or relative to process.cwd(),
// which is "/". Errors carry node's err.code ("ENOENT" ...), which Go maps
// to its errno values. Every call answers at once (synchronously), as
// wasm_exec.js's own stub does.
"use strict";

(() => {
  const S_IFDIR = 0o040000, S_IFREG = 0o100000;
  const constants = {
    O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 0o100, O_EXCL: 0o200,
    O_TRUNC: 0o1000, O_APPEND: 0o2000, O_DIRECTORY: 0o200000,
  };

  function fsError(code, msg) {
    const e = new Error(code + ": " + msg);
    e.code = code;
    return e;
  }

  // A node is a directory {dir: Map name→node} or a file {data: Uint8Array, size}.
  let ino = 1;
  function newNode(isDir, mode) {
    const now = Date.now();
    const n = { ino: ino++, mode: (isDir ? S_IFDIR : S_IFREG) | (mode & 0o7777), mtimeMs: now, ctimeMs: now, atimeMs: now };
    if (isDir) n.dir = new Map(); else { n.data = new Uint8Array(0); n.size = 0; }
    return n;
  }
  const root = newNode(true, 0o755);
  const cwd = "/";

  function parts(path) {
    if (typeof path !== "string" || path === "") throw fsError("ENOENT", "empty path");
    const abs = path.startsWith("/") ? path : cwd + "/" + path;
    const out = [];
    for (const p of abs.split("/")) {
      if (p === "" || p === ".") continue;
      if (p === "..") out.pop(); else out.push(p);
    }
    return out;
  }
  // lookup returns the node at path, or throws ENOENT / ENOTDIR.
  function lookup(path) {
    let n = root;
    for (const p of parts(path)) {
      if (!n.dir) throw fsError("ENOTDIR", path);
      n = n.dir.get(p);
      if (!n) throw fsError("ENOENT", path);
    }
    return n;
  }
  // parentOf returns [directory node, base name] of path.
  function parentOf(path) {
    const ps = parts(path);
    if (ps.length === 0) throw fsError("EEXIST", path);
    const name = ps.pop();
    const dir = lookup("/" + ps.join("/"));
    if (!dir.dir) throw fsError("ENOTDIR", path);
    return [dir, name];
  }

  function statOf(n) {
    const size = n.dir ? 4096 : n.size;
    return {
      dev: 1, ino: n.ino, mode: n.mode, nlink: 1, uid: 0, gid: 0, rdev: 0, size,
      blksize: 4096, blocks: Math.ceil(size / 512),
      atimeMs: n.atimeMs, mtimeMs: n.mtimeMs, ctimeMs: n.ctimeMs,
      isDirectory() { return !!n.dir; },
    };
  }

  // Open files: fd → {node, flags, pos}. 0, 1, 2 are the console.
  const fds = new Map();
  let nextFd = 3;
  const decoder = new TextDecoder("utf-8");
  const consoleBuf = { 1: "", 2: "" };

  function ensure(n, size) {
    if (n.data.length >= size) return;
    const grown = new Uint8Array(Math.max(size, n.data.length * 2, 1024));
    grown.set(n.data.subarray(0, n.size));
    n.data = grown;
  }
  function fileOf(fd) {
    const f = fds.get(fd);
    if (!f) throw fsError("EBADF", "fd " + fd);
    return f;
  }

  const api = {
    constants,
    writeSync(fd, buf) {
      if (fd === 1 || fd === 2) {
        consoleBuf[fd] += decoder.decode(buf);
        const nl = consoleBuf[fd].lastIndexOf("\n");
        if (nl !== -1) {
          (fd === 1 ? console.log : console.warn)(consoleBuf[fd].substring(0, nl));
          consoleBuf[fd] = consoleBuf[fd].substring(nl + 1);
        }
        return buf.length;
      }
      const f = fileOf(fd);
      return writeAt(f, buf, 0, buf.length, null);
    },
    open(path, flags, mode) {
      let n, created = false;
      try { n = lookup(path); } catch (e) {
        if (e.code !== "ENOENT" || !(flags & constants.O_CREAT)) throw e;
        const [dir, name] = parentOf(path);
        n = newNode(false, mode);
        dir.dir.set(name, n);
        dir.mtimeMs = Date.now();
        created = true;
      }
      if (!created && (flags & constants.O_CREAT) && (flags & constants.O_EXCL)) throw fsError("EEXIST", path);
      if ((flags & constants.O_DIRECTORY) && !n.dir) throw fsError("ENOTDIR", path);
      if (n.dir && (flags & 3) !== 0) throw fsError("EISDIR", path);
      if (flags & constants.O_TRUNC) { n.size = 0; n.mtimeMs = Date.now(); }
      const fd = nextFd++;
      fds.set(fd, { node: n, flags, pos: 0 });
      return fd;
    },
    close(fd) { fileOf(fd); fds.delete(fd); },
    read(fd, buf, offset, length, position) {
      const f = fileOf(fd), n = f.node;
      if (n.dir) throw fsError("EISDIR", "fd " + fd);
      const at = position === null || position === undefined ? f.pos : position;
      const k = Math.max(0, Math.min(length, n.size - at));
      buf.set(n.data.subarray(at, at + k), offset);
      if (position === null || position === undefined) f.pos += k;
      n.atimeMs = Date.now();
      return k;
    },
    write(fd, buf, offset, length, position) {
      if (fd === 1 || fd === 2) return api.writeSync(fd, buf.subarray(offset, offset + length));
      return writeAt(fileOf(fd), buf, offset, length, position);
    },
    fstat(fd) { return statOf(fileOf(fd).node); },
    stat(path) { return statOf(lookup(path)); },
    lstat(path) { return statOf(lookup(path)); },
    mkdir(path, perm) {
      const [dir, name] = parentOf(path);
      if (dir.dir.has(name)) throw fsError("EEXIST", path);
      dir.dir.set(name, newNode(true, perm));
    },
    readdir(path) {
      const n = lookup(path);
      if (!n.dir) throw fsError("ENOTDIR", path);
      return [...n.dir.keys()];
    },
    rename(from, to) {
      const [fdir, fname] = parentOf(from);
      const n = fdir.dir.get(fname);
      if (!n) throw fsError("ENOENT", from);
      const [tdir, tname] = parentOf(to);
      const old = tdir.dir.get(tname);
      if (old && old.dir && !n.dir) throw fsError("EISDIR", to);
      fdir.dir.delete(fname);
      tdir.dir.set(tname, n);
      n.ctimeMs = Date.now();
    },
    unlink(path) {
      const [dir, name] = parentOf(path);
      const n = dir.dir.get(name);
      if (!n) throw fsError("ENOENT", path);
      if (n.dir) throw fsError("EISDIR", path);
      dir.dir.delete(name);
    },
    rmdir(path) {
      const [dir, name] = parentOf(path);
      const n = dir.dir.get(name);
      if (!n) throw fsError("ENOENT", path);
      if (!n.dir) throw fsError("ENOTDIR", path);
      if (n.dir.size) throw fsError("ENOTEMPTY", path);
      dir.dir.delete(name);
    },
    fsync(fd) { fileOf(fd); },
    ftruncate(fd, length) { truncate(fileOf(fd).node, length); },
    truncate(path, length) { truncate(lookup(path), length); },
    chmod(path, mode) { const n = lookup(path); n.mode = (n.mode & ~0o7777) | (mode & 0o7777); },
    fchmod(fd, mode) { const n = fileOf(fd).node; n.mode = (n.mode & ~0o7777) | (mode & 0o7777); },
    utimes(path, atime, mtime) { const n = lookup(path); n.atimeMs = atime * 1000; n.mtimeMs = mtime * 1000; },
    chown() {}, fchown() {}, lchown() {},
    readlink(path) { lookup(path); throw fsError("EINVAL", path + " is not a symbolic link"); },
    link() { throw fsError("ENOSYS", "link"); },
    symlink() { throw fsError("ENOSYS", "symlink"); },
  };
  function truncate(n, length) {
    if (n.dir) throw fsError("EISDIR", "truncate");
    ensure(n, length);
    if (length > n.size) n.data.fill(0, n.size, length);
    n.size = length;
    n.mtimeMs = Date.now();
  }
  function writeAt(f, buf, offset, length, position) {
    const n = f.node;
    if ((f.flags & 3) === 0) throw fsError("EBADF", "not open for writing");
    let at = position === null || position === undefined ? f.pos : position;
    if (f.flags & constants.O_APPEND) at = n.size;
    ensure(n, at + length);
    if (at > n.size) n.data.fill(0, n.size, at);
    n.data.set(buf.subarray(offset, offset + length), at);
    n.size = Math.max(n.size, at + length);
    if (position === null || position === undefined) f.pos = at + length;
    n.mtimeMs = Date.now();
    return length;
  }

  // Go calls fs.NAME(args..., callback); the calls above throw or return.
  const fs = { constants };
  for (const [name, fn] of Object.entries(api)) {
    if (name === "constants") continue;
    if (name === "writeSync") { fs.writeSync = fn; continue; }
    fs[name] = (...args) => {
      const cb = args.pop();
      let res;
      try { res = fn(...args); } catch (e) {
        if (!e.code) { e.code = "EIO"; }
        cb(e);
        return;
      }
      cb(null, res);
    };
  }

  // For the worker: put and get whole files, list what changed.
  fs.mem = {
    writeFile(path, bytes) {
      const ps = parts(path);
      let dir = root;
      for (const p of ps.slice(0, -1)) {
        if (!dir.dir.has(p)) dir.dir.set(p, newNode(true, 0o755));
        dir = dir.dir.get(p);
      }
      const n = newNode(false, 0o644);
      n.data = bytes; n.size = bytes.length;
      dir.dir.set(ps[ps.length - 1], n);
    },
    readFile(path) {
      const n = lookup(path);
      if (n.dir) throw fsError("EISDIR", path);
      return n.data.slice(0, n.size);
    },
    exists(path) { try { lookup(path); return true; } catch (e) { return false; } },
    // changedSince lists the files (absolute paths) modified at or after t.
    changedSince(t) {
      const out = [];
      (function walk(n, prefix) {
        for (const [name, c] of n.dir) {
          const p = prefix + "/" + name;
          if (c.dir) walk(c, p); else if (c.mtimeMs >= t) out.push(p);
        }
      })(root, "");
      return out;
    },
  };

  globalThis.fs = fs;
  if (globalThis.process && globalThis.process.versions && globalThis.process.versions.node) return; // node (tests): keep its own
  globalThis.process = {
    getuid() { return -1; }, getgid() { return -1; }, geteuid() { return -1; }, getegid() { return -1; },
    getgroups() { throw fsError("ENOSYS", "getgroups"); },
    pid: -1, ppid: -1,
    umask() { return 0o022; },
    cwd() { return cwd; },
    chdir() { throw fsError("ENOSYS", "chdir"); },
  };
})();

'use strict';
// The jeventstore console: plain DOM, no build step. Every value from the server goes in as text
// (textContent), never as HTML. The browser signs in with HTTP Basic for the page and reuses it for the API.
(function () {
  const view = document.getElementById('view');
  let me = { user: null, roles: [] };
  let settings = { hardDeletes: false, maxPageEvents: 1000 };
  let tail = null;

  const isAdmin = () => me.roles.includes('eventstore-admin');

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === 'onclick') e.addEventListener('click', v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    });
    children.flat().forEach(c => e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c))));
    return e;
  }

  // Relative to the page, so that the console works at any context root; without the user:password@ that a page
  // opened as http://user:password@host/ has in its URL (fetch refuses a URL that carries credentials).
  function url(path) {
    const u = new URL(path, location.href);
    u.username = '';
    u.password = '';
    u.hash = '';
    return u.href;
  }

  async function api(path, options) {
    const init = Object.assign({ credentials: 'same-origin' }, options || {});
    if (init.method && !['GET', 'HEAD'].includes(init.method)) {
      // the server refuses a state-changing request without it: a form on another site cannot send a header
      init.headers = Object.assign({ 'X-Requested-By': 'jeventstore-console' }, init.headers || {});
    }
    const r = await fetch(url('api/' + path), init);
    const text = await r.text();
    const body = text ? JSON.parse(text) : null;
    if (!r.ok) throw new Error((body && body.message) || (r.status + ' ' + r.statusText));
    return body;
  }

  function flash(message, error) {
    const f = document.getElementById('flash');
    f.textContent = message;
    f.className = error ? 'error' : '';
    f.hidden = false;
    setTimeout(() => { f.hidden = true; }, 4000);
  }

  const json = v => JSON.stringify(v, null, 2);
  const when = t => t ? new Date(t).toLocaleString() : '';
  const enc = encodeURIComponent;

  function table(headers, rows, id) {
    return el('table', id ? { id } : {}, el('thead', {}, el('tr', {}, headers.map(h => el('th', { text: h })))),
      el('tbody', {}, rows));
  }

  function idLink(label, id) {
    return id ? el('a', { href: '#/event/' + id, class: 'id-link', title: id }, label + ' ' + id.slice(0, 8)) : '';
  }

  // What an event is read as next to how it was stored: renamed (an alias) or upcast from an older revision.
  function storedAs(e) {
    const evolved = e.storedType != null && (e.storedType !== e.eventType || e.storedRevision !== e.revision);
    if (evolved) {
      return el('div', { class: 'muted stored-as', text: 'rev ' + e.revision + ', stored as ' + e.storedType
        + ' rev ' + e.storedRevision });
    }
    return e.revision > 1 ? el('div', { class: 'muted stored-as', text: 'rev ' + e.revision }) : null;
  }

  function eventRow(e, withStream) {
    return el('tr', { class: 'event-row', 'data-position': e.eventNumber },
      el('td', { text: e.eventNumber }),
      withStream ? el('td', {}, el('a', { href: '#/stream/' + enc(e.streamId) + '?start=' + e.streamVersion,
        text: e.streamId + ' @' + e.streamVersion })) : null,
      el('td', {}, el('b', { text: e.eventType }), storedAs(e), el('div', { class: 'muted', text: e.eventId }),
        el('div', { class: 'muted', text: when(e.createdAt) }),
        el('div', {}, idLink('caused by', e.causationId)), el('div', {}, idLink('correlation', e.correlationId))),
      el('td', {}, el('pre', { class: 'data', text: json(e.data) })),
      el('td', {}, el('pre', { class: 'metadata', text: json(e.metadata || {}) })));
  }

  async function streams(params) {
    const search = params.get('search') || '';
    const page = Number(params.get('page') || 1);
    const result = await api('streams?pageSize=25&page=' + page + (search ? '&search=' + enc(search) : ''));
    const input = el('input', { id: 'stream-search', placeholder: 'search stream ids', value: search });
    const go = p => { location.hash = '#/streams?page=' + p + (input.value ? '&search=' + enc(input.value) : ''); };
    input.addEventListener('keydown', ev => { if (ev.key === 'Enter') go(1); });
    const pages = Math.max(1, Math.ceil(result.totalCount / result.pageSize));
    return [el('h1', { text: 'Streams' }), el('div', { class: 'pager' }, input, el('button', { onclick: () => go(1) }, 'Search')),
      table(['stream', 'version', 'created', 'deleted'], result.entries.map(s => el('tr', { class: 'stream-row' },
        el('td', {}, el('a', { href: '#/stream/' + enc(s.streamId), text: s.streamId })),
        el('td', { text: s.version }), el('td', { text: when(s.createdAt) }), el('td', { text: when(s.deletedAt) }))), 'streams'),
      el('div', { class: 'pager' },
        el('button', page > 1 ? { onclick: () => go(page - 1) } : { disabled: '' }, 'Previous'),
        el('span', { id: 'page-info', text: 'page ' + page + ' of ' + pages + ' (' + result.totalCount + ' streams)' }),
        el('button', page < pages ? { onclick: () => go(page + 1), id: 'next-page' } : { disabled: '', id: 'next-page' }, 'Next'))];
  }

  async function stream(id, params) {
    const start = Number(params.get('start') || 1);
    const count = 20;
    const events = await api('streams/' + enc(id) + '?start=' + start + '&count=' + count);
    const go = s => { location.hash = '#/stream/' + enc(id) + '?start=' + Math.max(1, s); };
    const parts = [el('h1', {}, 'Stream ', el('span', { id: 'stream-id', text: id }))];
    if (id !== '$all') {
      try {
        const info = await api('streams/' + enc(id) + '/info');
        parts.push(el('p', { class: 'muted', text: 'version ' + info.version + ', created ' + when(info.createdAt) }));
      } catch (e) {
        parts.push(el('p', { class: 'muted', text: e.message }));
      }
      if (isAdmin() && settings.hardDeletes) {
        parts.push(el('p', {}, el('button', { class: 'danger admin-action', id: 'hard-delete', onclick: async () => {
          if (!confirm('Hard delete stream "' + id + '"? Its events are removed for good.')) return;
          try {
            await api('admin/streams/' + enc(id), { method: 'DELETE' });
            flash('stream ' + id + ' deleted');
            location.hash = '#/streams';
          } catch (e) { flash(e.message, true); }
        } }, 'Hard delete stream')));
      }
    }
    parts.push(table(['#', 'event', 'data', 'metadata'], events.map(e => eventRow(e, false)), 'events'));
    parts.push(el('div', { class: 'pager' },
      el('button', start > 1 ? { onclick: () => go(start - count) } : { disabled: '' }, 'Previous'),
      el('span', { text: 'from ' + start }),
      el('button', events.length === count ? { onclick: () => go(start + count) } : { disabled: '' }, 'Next')));
    return parts;
  }

  async function eventById(id) {
    const where = await api('ops/events/' + enc(id));
    location.replace('#/stream/' + enc(where.streamId) + '?start=' + where.streamVersion);
    return [];
  }

  async function live() {
    const body = el('tbody', { id: 'tail-rows' });
    const status = el('span', { id: 'tail-status', class: 'muted', text: 'connecting…' });
    const recent = await api('all?direction=backward&count=20');
    recent.forEach(e => body.append(eventRow(e, true)));
    tail = new EventSource(url('api/live'));
    tail.addEventListener('open', () => { status.textContent = 'live'; });
    tail.addEventListener('error', () => { status.textContent = 'reconnecting…'; });
    tail.addEventListener('event', m => {
      const e = JSON.parse(m.data);
      if (body.querySelector('[data-position="' + e.eventNumber + '"]')) return;
      body.prepend(eventRow(e, true));
      while (body.children.length > 200) body.lastChild.remove();
    });
    return [el('h1', {}, '$all, newest first ', status),
      el('table', { id: 'tail' }, el('thead', {}, el('tr', {}, ['position', 'stream', 'event', 'data', 'metadata'].map(h => el('th', { text: h })))), body)];
  }

  async function subscriptions() {
    const subs = await api('ops/subscriptions');
    const headers = ['stream', 'name', 'checkpoint', 'head', 'lag (events)', 'lag (time)', 'holder', 'state here', 'parked'];
    if (isAdmin()) headers.push('');
    return [el('h1', { text: 'Subscriptions' }), table(headers, subs.map(s => el('tr', { class: 'subscription-row' },
      el('td', { text: s.streamId }), el('td', { text: s.name }), el('td', { text: s.checkpoint }),
      el('td', { text: s.head }), el('td', { text: s.lagEvents }),
      el('td', { text: s.lagMillis ? (s.lagMillis / 1000).toFixed(1) + ' s' : '0' }),
      el('td', { text: s.holderPid ? 'session ' + s.holderPid : 'none' }), el('td', { text: s.localState || '–' }),
      el('td', { text: s.parked || 0 }),
      isAdmin() ? el('td', {}, el('button', { class: 'admin-action reset', onclick: async () => {
        const to = prompt('Reset "' + s.name + '" to position (the last event it counts as handled; 0 = from the start):', '0');
        if (to === null || !/^[0-9]+$/.test(to.trim())) return;
        if (!confirm('Reset subscription "' + s.name + '" on "' + s.streamId + '" to ' + to.trim() + '?')) return;
        try {
          await api('admin/subscriptions/reset?stream=' + enc(s.streamId) + '&name=' + enc(s.name) + '&position=' + to.trim(), { method: 'POST' });
          flash('subscription ' + s.name + ' reset to ' + to.trim());
          route();
        } catch (e) { flash(e.message, true); }
      } }, 'Reset'), ' ', el('button', { class: 'danger admin-action delete', onclick: async () => {
        if (!confirm('Delete subscription "' + s.name + '" on "' + s.streamId + '"? Its checkpoint is forgotten.')) return;
        try {
          await api('admin/subscriptions?stream=' + enc(s.streamId) + '&name=' + enc(s.name), { method: 'DELETE' });
          flash('subscription ' + s.name + ' deleted');
          route();
        } catch (e) { flash(e.message, true); }
      } }, 'Delete')) : null)), 'subscriptions')];
  }

  async function servers() {
    const [list, backlog] = await Promise.all([api('ops/servers'), api('ops/backlog')]);
    return [el('h1', { text: 'Servers' }),
      el('div', { id: 'backlog' },
        el('div', { class: 'card' }, el('b', { text: backlog.appends }), 'appends waiting for $all'),
        el('div', { class: 'card' }, el('b', { text: backlog.oldestMillis + ' ms' }), 'oldest waiting'),
        el('div', { class: 'card' }, el('b', { text: backlog.setAside }), 'set aside (JES0305E)')),
      table(['server (lock session)', 'connects from', 'up since', 'holds'], list.map(s => el('tr', { class: 'server-row' },
        el('td', { text: 'session ' + s.sessionPid + (s.thisServer ? ' (this server)' : '') }),
        el('td', { text: s.address }), el('td', { text: when(s.upSince) }),
        el('td', { text: s.holds.length ? s.holds.join(', ') : '–' }))), 'servers')];
  }

  async function route() {
    if (tail) { tail.close(); tail = null; }
    const hash = location.hash || '#/streams';
    const [path, query] = hash.slice(1).split('?');
    const params = new URLSearchParams(query || '');
    document.querySelectorAll('header nav a').forEach(a => a.classList.toggle('current', hash.startsWith(a.getAttribute('href'))));
    try {
      let content;
      if (path.startsWith('/stream/')) content = await stream(decodeURIComponent(path.slice(8)), params);
      else if (path.startsWith('/event/')) content = await eventById(path.slice(7));
      else if (path === '/live') content = await live();
      else if (path === '/subscriptions') content = await subscriptions();
      else if (path === '/servers') content = await servers();
      else content = await streams(params);
      view.replaceChildren(...content);
    } catch (e) {
      view.replaceChildren(el('p', { class: 'error', text: e.message }));
    }
  }

  async function start() {
    [me, settings] = await Promise.all([api('ops/me'), api('ops/settings')]);
    document.getElementById('me').textContent = me.user + ' · ' + me.roles.map(r => r.replace('eventstore-', '')).join(', ');
    window.addEventListener('hashchange', route);
    await route();
    document.body.setAttribute('data-ready', 'true');
  }

  start().catch(e => view.replaceChildren(el('p', { text: e.message })));
})();

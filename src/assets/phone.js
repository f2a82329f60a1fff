// The live queue and wallboard: progressive enhancement over pages that already show the figures.
// Listens to the server's event stream, fills in the new figures, and counts wait times up each second.
const root = document.querySelector('[data-phone-page], [data-wallboard]');
if (root && 'EventSource' in window) {
  let offset = 0; // server clock minus browser clock, so waits are counted on the server's time
  let latest = null;
  const phonePage = document.querySelector('[data-phone-page]');
  const me = phonePage ? phonePage.getAttribute('data-user') : null;
  let currentCall = phonePage ? phonePage.getAttribute('data-current-call') : '';

  const set = (name, text) => {
    for (const el of document.querySelectorAll(`[data-live="${name}"]`)) el.textContent = text;
  };
  const seconds = (total) => {
    const s = Math.max(0, Math.round(total));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  };
  const since = (iso) => (Date.now() + offset - Date.parse(iso)) / 1000;
  const labels = { available: 'Available', 'on-call': 'On a call', 'wrap-up': 'Wrapping up', away: 'Away', offline: 'Not taking calls' };

  const tick = () => {
    for (const el of document.querySelectorAll('[data-since]')) {
      const iso = el.getAttribute('data-since');
      if (!iso) continue;
      const waited = since(iso);
      const target = Number(el.getAttribute('data-target') || 0);
      const over = target > 0 && waited > target;
      el.textContent = seconds(waited) + (over ? ' (over target)' : '');
      el.classList.toggle('app-over-target', over);
    }
  };

  const render = (s) => {
    latest = s;
    offset = Date.parse(s.asOf) - Date.now();
    set('as-of', 'as of ' + new Date(s.asOf).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone: 'Europe/London' }));
    for (const q of s.queues) {
      const row = document.querySelector(`[data-queue="${CSS.escape(q.code)}"]`);
      if (!row) continue;
      row.querySelector('[data-field="waiting"]').textContent = String(q.waiting);
      row.querySelector('[data-field="callbacks"]').textContent = String(q.callbacksWaiting);
      const longest = row.querySelector('[data-field="longest"]');
      longest.setAttribute('data-since', q.longestWaitingSince || '');
      if (!q.longestWaitingSince) { longest.textContent = '–'; longest.classList.remove('app-over-target'); }
    }
    set('total-waiting', String(s.waitingCalls.length));
    const longestWait = document.querySelector('[data-live="longest-wait"]');
    if (longestWait) {
      longestWait.setAttribute('data-since', s.waitingCalls.length ? s.waitingCalls[0].since : '');
      if (!s.waitingCalls.length) longestWait.textContent = '–';
    }
    set('workers-available', String(s.workerCounts.available));
    set('workers-on-call', String(s.workerCounts.onCall));
    set('workers-wrap-up', String(s.workerCounts.wrapUp));
    set('callbacks-waiting', String(s.callbacksWaiting));
    set('today-offered', String(s.today.offered));
    set('today-answered', String(s.today.answered));
    set('today-abandoned', String(s.today.abandoned));
    set('today-within-target', s.today.withinTargetPercent === null ? '–' : `${s.today.withinTargetPercent}%`);
    set('today-average', s.today.averageAnswerSeconds === null ? '–' : seconds(s.today.averageAnswerSeconds));
    set('today-callbacks', String(s.today.callbacksRequested));
    set('today-out-of-hours', String(s.today.outOfHours));
    const workers = document.querySelector('[data-live="workers"]');
    if (workers) {
      workers.replaceChildren();
      if (s.workers.length) {
        const ul = document.createElement('ul');
        ul.className = 'govuk-list';
        for (const w of s.workers) {
          const li = document.createElement('li');
          li.textContent = `${w.name}: ${labels[w.status] || w.status}`;
          ul.append(li);
        }
        workers.append(ul);
      } else {
        const p = document.createElement('p');
        p.className = 'govuk-body';
        p.textContent = 'Nobody is taking calls.';
        workers.append(p);
      }
    }
    const callbacks = document.querySelector('[data-live="callbacks"]');
    if (callbacks) {
      callbacks.replaceChildren();
      if (s.callbacks.length) {
        const ul = document.createElement('ul');
        ul.className = 'govuk-list';
        for (const c of s.callbacks) {
          const li = document.createElement('li');
          const at = new Date(c.since).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });
          li.textContent = `${c.queueLabel}: ${c.caller}, waiting since ${at}` + (c.status === 'in-progress' ? ` – ${c.claimedBy} is calling back` : '');
          ul.append(li);
        }
        callbacks.append(ul);
      } else {
        const p = document.createElement('p');
        p.className = 'govuk-body';
        p.textContent = 'No callbacks waiting.';
        callbacks.append(p);
      }
    }
    // The screen pop: a call put through to this worker opens its page.
    if (me) {
      const mine = s.workers.find((w) => w.userId === me);
      if (mine) set('my-status', labels[mine.status] || mine.status);
      if (mine && mine.callId && mine.callId !== currentCall) {
        currentCall = mine.callId;
        window.location.assign(`/phone/calls/${encodeURIComponent(mine.callId)}`);
      }
    }
    tick();
  };

  const source = new EventSource('/phone/events');
  source.addEventListener('snapshot', (e) => render(JSON.parse(e.data)));
  setInterval(() => latest && tick(), 1000);
}

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# The independent oracle for the xfrm netns tests: reads `ip xfrm policy` (iproute2's text output;
# Debian 12's iproute2 has no JSON for xfrm) or `ip xfrm state` on stdin and prints one normalised
# line per entry, sorted, e.g.
#   policy dir=out sel=192.0.2.0/24->198.51.100.0/24 proto=tcp sport=1000 dport=80 priority=100
#          action=allow mark=0x7/0xff if_id=0x3 tmpl=esp/tunnel/192.0.2.1->198.51.100.1/reqid=5/required
#   state proto=esp spi=0x00001000 src=192.0.2.1 dst=198.51.100.1 reqid=5 mode=tunnel
import sys


def records(lines):
    rec = []
    for line in lines:
        if not line.strip():
            continue
        if not line[0].isspace() and rec:
            yield rec
            rec = []
        rec.append(line.rstrip('\n'))
    if rec:
        yield rec


def kv(tokens):
    out = {}
    i = 0
    while i + 1 < len(tokens):
        out.setdefault(tokens[i], tokens[i + 1])
        i += 2
    return out


def policy(rec):
    head = kv(rec[0].split())
    f = {'sel': '%s->%s' % (head.get('src'), head.get('dst'))}
    for k in ('proto', 'sport', 'dport'):
        if k in head:
            f[k] = head[k]
    f['action'] = 'allow'
    tmpls = []
    for line in rec[1:]:
        t = line.split()
        if t[0] == 'dir':
            d = kv(t)
            f['dir'] = d['dir']
            f['priority'] = d.get('priority', '0')
            f['action'] = d.get('action', 'allow')
        elif t[0] == 'mark':
            f['mark'] = t[1]
        elif t[0] == 'if_id':
            f['if_id'] = t[1]
        elif t[0] == 'tmpl':
            d = kv(t[1:])
            tmpls.append({'ends': '%s->%s' % (d.get('src'), d.get('dst')), 'level': 'required'})
        elif t[0] == 'proto' and tmpls and line.startswith('\t\t'):
            d = kv(t)
            tmpls[-1].update(proto=d['proto'], reqid=d.get('reqid', '0'), mode=d.get('mode'))
        elif t[0] == 'level' and tmpls:
            tmpls[-1]['level'] = 'optional' if t[1] == 'use' else 'required'
    order = ['dir', 'sel', 'proto', 'sport', 'dport', 'priority', 'action', 'mark', 'if_id']
    s = 'policy ' + ' '.join('%s=%s' % (k, f[k]) for k in order if k in f)
    for t in tmpls:
        ends = t['ends'] if t.get('mode') == 'tunnel' else '-'
        s += ' tmpl=%s/%s/%s/reqid=%s/%s' % (t.get('proto'), t.get('mode'), ends, t.get('reqid'),
                                            t['level'])
    return s


def state(rec):
    head = kv(rec[0].split())
    d = kv(rec[1].split())
    return 'state proto=%s spi=%s src=%s dst=%s reqid=%s mode=%s' % (
        d.get('proto'), d.get('spi'), head.get('src'), head.get('dst'), d.get('reqid'),
        d.get('mode'))


def main():
    lines = sys.stdin.readlines()
    out = []
    for rec in records(lines):
        if len(rec) > 1 and rec[1].split()[0] == 'dir':
            out.append(policy(rec))
        elif len(rec) > 1 and rec[1].split()[0] == 'proto':
            out.append(state(rec))
    for line in sorted(out):
        print(line)


main()

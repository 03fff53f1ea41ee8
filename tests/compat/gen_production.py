#!/usr/bin/env python3
"""Generate a production-sized, AWS-style commcare-cloud inventory
(inventories/production-aws.ini): per-host alias groups, 5-level nesting,
RDS/NLB/ALB DNS hosts collected under ansible_skip, :vars with ':' and '/'.
Deterministic; the output is committed."""
import random

random.seed(7)
out = ["# Generated inventory in the style of commcare-cloud's production env.",
       "# Do not edit by hand: tests/compat/gen_production.py"]
hosts = []
ip = [10, 202, 10, 10]


def next_ip():
    ip[3] += 1
    if ip[3] > 250:
        ip[2] += 1
        ip[3] = 10
    return ".".join(map(str, ip))


def host_section(name, extra=""):
    addr = next_ip()
    hosts.append(addr)
    vars_ = (f"hostname={name.replace('_', '-')}-production ufw_private_interface=ens5 "
             f"ansible_python_interpreter=/usr/bin/python3 ec2_instance_id=i-{random.randrange(16**12):012x}")
    if extra:
        vars_ += " " + extra
    out.append(f"[{name}]")
    out.append(f"{addr} {vars_}")
    return name


def children(name, kids):
    out.append(f"[{name}:children]")
    out.extend(kids)


roles = {
    "control": 1, "proxy_a": 2, "web_a": 14, "celery_a": 5, "pillow_a": 2,
    "formplayer_a": 10, "pgbouncer_a": 7, "couch_a": 3, "es_a": 19,
    "kafka_a": 3, "zookeeper_a": 3,
}
groups_of = {}
for role, count in roles.items():
    names = []
    for i in range(count):
        if role == "control":
            n = "control4"
        else:
            n = f"{role}{i}"
        extra = ""
        if role == "kafka_a":
            extra = f"kafka_broker_id={i} zookeeper_server_id={i}"
        elif role == "es_a":
            extra = f"elasticsearch_node_name=es{i}-production elasticsearch_node_zone=us-east-1{'abc'[i % 3]}"
        elif role == "pgbouncer_a":
            extra = "pgbouncer_processes=2 pgbouncer_server_lifetime=300 datavol_device=/dev/sdf is_datavol_ebsnvme=yes"
        elif role == "couch_a":
            extra = "datavol_device=/dev/sdf swap_size=2G root_encryption_mode=aws"
        names.append(host_section(n, extra))
    groups_of[role] = names

# web nesting 5 levels: shared_efs_client_host -> webworkers -> hq_webworkers -> web_a2 -> web_a2000 -> host
web = groups_of["web_a"]
children("web_zone_a2", web[:7])
children("web_zone_a3", web[7:])
children("hq_webworkers", ["web_zone_a2", "web_zone_a3"])
children("webworkers", ["hq_webworkers"])
children("celery", groups_of["celery_a"])
children("pillowtop", groups_of["pillow_a"])
children("formplayer", groups_of["formplayer_a"])
children("proxy", groups_of["proxy_a"])
children("couchdb2", groups_of["couch_a"])
children("kafka", groups_of["kafka_a"])
children("zookeeper", groups_of["zookeeper_a"])
es = groups_of["es_a"]
children("es_master", es[:3])
children("es_data", es[3:17])
children("es_coordinator", es[17:])
children("elasticsearch", ["es_master", "es_data", "es_coordinator"])
out.append("[es_master:vars]")
out.append("elasticsearch_master=true")
out.append("elasticsearch_data=false")
out.append("[es_coordinator:vars]")
out.append("elasticsearch_master=false")
out.append("elasticsearch_data=false")
# DNS hosts: RDS, NLB, ALB, each alone in a group
rds = ["pgmain1", "pgformplayer2", "pgucr0", "pgsynclog2", "pgauditcare1",
       "pgshard1", "pgshard2", "pgshard3", "pgshard4", "pgshard5"]
dns_groups = []
for r in rds:
    g = f"rds_{r}"
    out.append(f"[{g}]")
    out.append(f"{r}-production.c{random.randrange(16**10):010x}.us-east-1.rds.amazonaws.com")
    dns_groups.append(g)
nlbs = ["pgmain_nlb", "pgformplayer_nlb", "pgucr_nlb", "pgsynclog_nlb", "pgshard_nlb"]
for n in nlbs:
    out.append(f"[{n}]")
    out.append(f"{n.replace('_', '-')}-production-{random.randrange(16**16):016x}.elb.us-east-1.amazonaws.com")
out.append("[couch_alb]")
out.append(f"internal-couch-alb-production-{random.randrange(10**9)}.us-east-1.elb.amazonaws.com")
children("remote_postgresql", dns_groups)
children("pgbouncer", groups_of["pgbouncer_a"] + nlbs)
children("postgresql", ["pgbouncer_a6", "remote_postgresql"])
children("couchdb2_proxy", ["couch_alb"])
children("couchdb2_alb", ["couch_alb"])
children("ansible_skip", ["remote_postgresql", "couch_alb"] + nlbs)
# forward references: django_manage and shared_efs_client_host defined later
children("commcarehq_apps", ["django_manage", "webworkers", "celery", "pillowtop"])
children("django_manage", ["web_a2000_alias"])
out.append("[web_a2000_alias:children]")
out.append(web[0])
children("shared_efs_client_host", ["webworkers", "celery", "pillowtop", "formplayer"])
out.append("[shared_efs_client_host:vars]")
out.append("formplayer_efs_dns=fs-0abc1234.efs.us-east-1.amazonaws.com:/")
out.append("efs_mount=shared-efs.production.commcare.local:/")
out.append("[webworkers:vars]")
out.append("swap_size=8G")
out.append("cchq_uid=3002")
out.append("[celery:vars]")
out.append("datadog_integrations=celery")
out.append("[proxy:vars]")
out.append("nginx_worker_processes=4")
# extra single-purpose groups to reach production's ~125 groups
for i in range(8):
    out.append(f"[logproxy{i}:children]")
    out.append(groups_of["proxy_a"][i % 2])
out.append("[formplayer_debug:children]")
out.append("[formplayer_with_monit:children]")
out.append(groups_of["formplayer_a"][0])
open("inventories/production-aws.ini", "w").write("\n".join(out) + "\n")
print(len(hosts) + len(rds) + len(nlbs) + 1, "hosts")

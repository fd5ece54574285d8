# Sourced by scripts/test.sh: make sure a PostgreSQL and a MariaDB server run locally with a
# `nubo_test` account that may create databases, and a RabbitMQ broker (the bus's AMQP
# transport; its guest account may log in from localhost), and export their URLs for the tests.

start_postgres() {
  if ! command -v pg_isready >/dev/null || ! pg_isready -q -h 127.0.0.1; then
    apt_install postgresql
    local v; v=$(ls /etc/postgresql | sort -V | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>/dev/null || true
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  fi
  runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nubo_test') THEN
      CREATE ROLE nubo_test LOGIN SUPERUSER PASSWORD 'nubo_test'; END IF; END \$\$;" >/dev/null
}

mariadb_alive() { command -v mariadb-admin >/dev/null && mariadb-admin ping >/dev/null 2>&1; }

start_mariadb() {
  if ! mariadb_alive; then
    apt_install mariadb-server
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    for _ in $(seq 30); do mariadb_alive && break; sleep 1; done
  fi
  mariadb -uroot -e "CREATE USER IF NOT EXISTS 'nubo_test'@'localhost' IDENTIFIED BY 'nubo_test';
    CREATE USER IF NOT EXISTS 'nubo_test'@'%' IDENTIFIED BY 'nubo_test';
    GRANT ALL ON *.* TO 'nubo_test'@'localhost'; GRANT ALL ON *.* TO 'nubo_test'@'%';"
}

rabbitmq_alive() { timeout 2 bash -c '</dev/tcp/127.0.0.1/5672' 2>/dev/null; }

start_rabbitmq() {
  if ! rabbitmq_alive; then
    apt_install rabbitmq-server
    # no systemd here: Debian's init script starts it as the rabbitmq user
    /etc/init.d/rabbitmq-server start >/dev/null || true
    for _ in $(seq 60); do rabbitmq_alive && break; sleep 1; done
  fi
  # the tests make a throwaway virtual host each (rabbitmqctl add_vhost)
  rabbitmqctl -q await_startup
}

start_postgres
start_mariadb
start_rabbitmq
export NUBO_TEST_PG_URL=${NUBO_TEST_PG_URL:-postgresql://nubo_test:nubo_test@127.0.0.1:5432/postgres}
export NUBO_TEST_MYSQL_URL=${NUBO_TEST_MYSQL_URL:-mysql://nubo_test:nubo_test@127.0.0.1:3306/mysql}
export NUBO_TEST_AMQP_URL=${NUBO_TEST_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}

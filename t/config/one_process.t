# httpd -X (one process, as operators debug with it) serves and then exits
# cleanly on SIGTERM: the module's threads and pools must come apart in the
# order exit() expects.  It crashed in apr_allocator_destroy once.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use POSIX qw(WIFEXITED WEXITSTATUS WIFSIGNALED WTERMSIG);
use IO::Socket::INET;
use HttpdConf qw($httpd write_conf free_port);

my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;
my $port = free_port();
write_conf($dir, bare => 1, listen => "127.0.0.1:$port", directives => <<'CONF');
PlacementDatabaseConnection "mysql+pymysql://u:p@127.0.0.1:1/placement?charset=utf8"
PlacementAuthStrategy noauth2
<Location />
    SetHandler placement
</Location>
CONF

my $pid = fork // die "fork: $!";
if (!$pid) {
    exec $httpd, '-X', '-f', "$dir/httpd.conf" or die "exec: $!";
}
my $answered = 0;
for (1 .. 80) {
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 2);
    if ($s) {
        print $s "GET / HTTP/1.0\r\n\r\n";
        my $line = <$s> // '';
        $answered = $line =~ m{^HTTP/1\.\d 200};
        last;
    }
    select undef, undef, undef, 0.25;
}
ok($answered, 'httpd -X answers GET / with 200');
kill 'TERM', $pid;
waitpid $pid, 0;
my $status = $?;
ok(WIFEXITED($status) && WEXITSTATUS($status) == 0,
   'and exits with status 0 on SIGTERM')
    or diag(WIFSIGNALED($status) ? 'killed by signal ' . WTERMSIG($status)
                                 : 'exit status ' . WEXITSTATUS($status));
done_testing;

# httpd -X (one process, as operators debug with it) serves and then exits
# cleanly on SIGTERM: the module's threads and pools must come apart in the
# order exit() expects.  It crashed in apr_allocator_destroy once.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Cwd qw(abs_path);
use IO::Socket::INET;
use POSIX qw(WIFEXITED WEXITSTATUS WIFSIGNALED WTERMSIG);

my $top = abs_path('.');
my $httpd = -x '/usr/sbin/apache2' ? '/usr/sbin/apache2' : 'httpd';
chomp(my $mods = `apxs -q LIBEXECDIR`);
my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;

my $probe = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0)
    or die "no free port: $!";
my $port = $probe->sockport;
close $probe;

my $user = $> == 0 ? "User www-data\nGroup www-data" : '';
open my $fh, '>', "$dir/httpd.conf" or die $!;
print $fh <<"CONF";
ServerRoot $dir
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile $dir/httpd.pid
ErrorLog $dir/error.log
$user
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule socache_shmcb_module $mods/mod_socache_shmcb.so
LoadModule placement_module $top/.libs/mod_placement.so
PlacementDataDir $top
PlacementDatabaseConnection "mysql+pymysql://u:p\@127.0.0.1:1/placement?charset=utf8"
PlacementAuthStrategy noauth2
<Location />
    SetHandler placement
</Location>
CONF
close $fh;

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

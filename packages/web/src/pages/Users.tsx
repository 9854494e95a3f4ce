/** Users, API tokens and roles. */
import { UsersAndTokens } from '../areas/users/UsersAndTokens.js';

export default function Users() {
  return <UsersAndTokens />;
}

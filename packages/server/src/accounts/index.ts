export {
  createUser, createAdmin, addRole, setRoles, changeRoles, listUsers, findUser, userNames, findUserByEmail, getUser, toUserJson,
  scopesForRoles, normalizeEmail, ROLES, type UserJson,
} from './users.js';
export { setBudget, balanceFor, type BalanceJson } from './budget.js';
export { userSchema, roleSchema, budgetSchema, balanceSchema, MAX_BUDGET } from './schemas.js';
export { accountsModule } from './module.js';
